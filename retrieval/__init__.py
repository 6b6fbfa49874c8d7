"""How the assistant finds and answers: chunking, embeddings, Chroma + lexical index,
fusion, answerers. Imports `knowledge`, never `bot`."""
