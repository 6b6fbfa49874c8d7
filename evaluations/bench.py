"""`alliances bench`: latency, throughput and memory, at the shipped size and at scale.

What each figure measures:
- model load: the encoder's load time, apart from any query;
- raw encoder: chunks/s of `encode_documents` alone on synthetic chunks;
- ingestion: chunks/s of the whole pipeline (hash, load, clean, chunk, encode, Chroma,
  SQLite, tokens) on the same kind of chunks, until they are searchable; its ratio to the
  raw encoder is the pipeline's overhead. The encoding of their quotes for the answerer
  comes after and is reported apart;
- first question: ask latency of questions never asked before (`FIRST_QUERIES`), once each,
  after the search alone was warmed up: what the first user of a fresh base waits;
- search / ask latency p50/p95/p99 after warm-up, measured in a fresh process per size,
  whose peak RSS is reported too;
- unchanged re-ingest: `ingest` over 10,000 already-indexed documents;
- writes during questions (largest size, fresh process): how long after a project update
  (one passage put through `KnowledgeIndex.put_document`) a search finds it, and question
  latency p50/p99 while one update arrives every second, against the same stream of
  questions with no update (and apart, the search alone: the index's share, which a write
  can slow down); with the full lexical rebuild time that each write used to cost the
  next question, for comparison.

Scale points (10k, 100k chunks) add synthetic project documents. Encoding 100,000
chunks with the 4-bit CPU encoder would take over an hour on 2 cores, so their vectors
come from a pool of really encoded synthetic chunks, each reused vector slightly
perturbed; the chunk texts, tokens and metadata are all distinct. Search cost depends on
the number of vectors, not on where they came from.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from evaluations.synthetic import FIRST_QUERIES, QUERIES, generate_documents, write_documents

# A synthetic document is a title, a description and three updates: five chunks.
CHUNKS_PER_SYNTHETIC_DOC = 5


def percentiles(samples: Sequence[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def pick(fraction: float) -> float:
        return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]

    return {"p50": pick(0.50), "p95": pick(0.95), "p99": pick(0.99), "n": len(ordered)}


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure_encoder(model: str, sample_docs: int) -> dict[str, Any]:
    """Model load time and raw encoder throughput on synthetic chunk texts."""
    from knowledge.manifest import DocumentInfo
    from retrieval.chunking import chunk_document
    from retrieval.embeddings import load_encoder

    started = time.perf_counter()
    encoder = load_encoder(model)
    load_ms = (time.perf_counter() - started) * 1000
    texts = []
    for document in generate_documents(sample_docs, seed=7):
        info = DocumentInfo(doc_id=document.name, path=Path(document.name), title=document.name)
        texts += [chunk.embedding_text() for chunk in chunk_document(info, document.text)]
    encoder.encode_documents(texts[:8])  # warm-up
    started = time.perf_counter()
    encoder.encode_documents(texts)
    seconds = time.perf_counter() - started
    return {"model": model, "load_ms": load_ms, "chunks": len(texts),
            "chunks_per_s": len(texts) / seconds}


def measure_ingestion(model: str, workdir: Path, sample_docs: int) -> dict[str, Any]:
    """Pipeline throughput on fresh synthetic files (seed differs from the encoder's)."""
    from retrieval.index import KnowledgeIndex
    from retrieval.ingestion import discover, encode_new_quotes, ingest, root_for

    folder = workdir / "ingest-sample"
    write_documents(folder, sample_docs, seed=7)
    index = KnowledgeIndex(workdir / "ingest-home", encoder_spec=model, chroma_url="")
    index.encoder.encode_documents(["échauffement"])  # model load is reported apart
    index.vectors.count()  # so is opening the store
    documents, _ = discover([folder])
    report = ingest(index, documents, root=root_for([folder]))
    encode_new_quotes(index, report)
    return {"documents": len(documents), "chunks": report.chunks_indexed,
            "seconds": report.seconds, "chunks_per_s": report.chunks_indexed / report.seconds,
            "quotes_encoded": report.quotes_encoded, "quote_seconds": report.quote_seconds}


def build_scale_home(
    home: Path, model: str, total_chunks: int, workdir: Path, pool_size: int,
    log: Callable[[str], None],
) -> dict[str, Any]:
    """A data folder with the shipped base plus synthetic documents up to `total_chunks`.

    The first 10,000 synthetic documents (when there are that many) go in their own folder
    so the unchanged re-ingest of 10,000 documents can be timed on it.
    """
    from bot.assistant import Assistant
    from retrieval.index import KnowledgeIndex

    index = KnowledgeIndex(home, encoder_spec=model, chroma_url="")
    Assistant(index).ingest()
    documents_needed = max(
        0, (total_chunks - index.store.chunk_count()) // CHUNKS_PER_SYNTHETIC_DOC
    )
    first = min(documents_needed, 10_000)
    folders = [(workdir / f"scale-{total_chunks}-a", first, 11)]
    if documents_needed > first:
        folders.append((workdir / f"scale-{total_chunks}-b", documents_needed - first, 13))
    pool = _vector_pool(index, pool_size)
    started = time.perf_counter()
    for folder, count, seed in folders:
        log(f"  {count} documents synthétiques dans {folder.name}…")
        paths = write_documents(folder, count, seed=seed)
        _bulk_register(index, folder, paths, pool)
    return {"chunks": index.store.chunk_count(), "build_s": time.perf_counter() - started,
            "reingest_folder": str(folders[0][0]), "reingest_documents": first}


def _vector_pool(index: Any, size: int) -> np.ndarray:
    from knowledge.manifest import DocumentInfo
    from retrieval.chunking import chunk_document

    texts: list[str] = []
    for document in generate_documents(max(1, size // CHUNKS_PER_SYNTHETIC_DOC) + 1, seed=99):
        info = DocumentInfo(doc_id=document.name, path=Path(document.name), title=document.name)
        texts += [chunk.embedding_text() for chunk in chunk_document(info, document.text)]
    return index.encoder.encode_documents(texts[:size])


def _bulk_register(index: Any, folder: Path, paths: Sequence[Path], pool: np.ndarray) -> None:
    """Index files exactly as `ingest` does, with pooled vectors instead of encoding."""
    from knowledge.loaders import load_document
    from retrieval.chunking import chunk_document
    from retrieval.ingestion import _record, content_hash, discover, root_for

    rng = np.random.default_rng(5)
    documents, _ = discover([folder])
    root = root_for([folder])
    batch: list = []
    for position, info in enumerate(documents):
        chunks = chunk_document(info, load_document(info.path).text)
        picks = pool[(np.arange(len(chunks)) + position * 7) % len(pool)]
        noisy = picks + rng.normal(0, 0.01, picks.shape).astype(np.float32)
        noisy /= np.linalg.norm(noisy, axis=1, keepdims=True)
        batch.append((_record(info, content_hash(info, index), root, len(chunks)), chunks, noisy))
        if len(batch) >= 128:
            _put_complete(index, batch)
            batch = []
    if batch:
        _put_complete(index, batch)
    del paths


def _put_complete(index: Any, batch: list) -> None:
    """Store a batch and mark it complete, as `ingest` does."""
    index.put_documents(batch)
    index.store.mark_complete([(record.doc_id, record.content_hash) for record, _, _ in batch])


def measure_reingest(home: Path, model: str, folder: Path) -> dict[str, Any]:
    from retrieval.index import KnowledgeIndex
    from retrieval.ingestion import discover, ingest, root_for

    index = KnowledgeIndex(home, encoder_spec=model, chroma_url="")
    started = time.perf_counter()
    documents, _ = discover([folder])
    report = ingest(index, documents, root=root_for([folder]))
    seconds = time.perf_counter() - started
    assert not report.changed, "the re-ingest found changes"
    return {"documents": len(report.unchanged), "seconds": seconds}


def measure_latency(home: Path, model: str, rounds: int) -> dict[str, Any]:
    """Run in a fresh process: load, warm up, then time search and ask."""
    from bot.assistant import Assistant
    from retrieval.index import KnowledgeIndex

    started = time.perf_counter()
    index = KnowledgeIndex(home, encoder_spec=model, chroma_url="")
    assistant = Assistant(index)
    index.encoder.encode_query("échauffement")
    load_ms = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    for query in QUERIES:  # warm-up of the search alone: lexical index, Chroma segments
        assistant.search(query, k=10)
    first_ms: list[float] = []
    for query in FIRST_QUERIES:
        asked = time.perf_counter()
        assistant.ask(query)
        first_ms.append((time.perf_counter() - asked) * 1000)
    for query in QUERIES:  # warm-up of the answers: their caches
        assistant.ask(query)
    warmup_ms = (time.perf_counter() - started) * 1000
    search_ms: list[float] = []
    ask_ms: list[float] = []
    for _ in range(rounds):
        for query in QUERIES:
            started = time.perf_counter()
            assistant.search(query, k=10)
            search_ms.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            assistant.ask(query)
            ask_ms.append((time.perf_counter() - started) * 1000)
    return {"chunks": index.store.chunk_count(), "load_ms": load_ms, "warmup_ms": warmup_ms,
            "search_ms": percentiles(search_ms), "ask_ms": percentiles(ask_ms),
            "first_ask_ms": percentiles(first_ms),
            "peak_rss_mb": peak_rss_mb()}


def _latency_in_subprocess(home: Path, model: str, rounds: int) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "evaluations.bench", "latency", str(home), model, str(rounds)],
        capture_output=True, text=True, check=True,
        env={**os.environ, "ALLIANCES_CHROMA_URL": ""},
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_bench(
    model: str, sizes: Sequence[int], workdir: Path, rounds: int = 5, sample_docs: int = 64,
    pool_size: int = 512, log: Callable[[str], None] = lambda _: None,
) -> dict[str, Any]:
    """Every measurement; `sizes` are chunk counts beyond the shipped base (0 = shipped)."""
    log("encodeur brut…")
    report: dict[str, Any] = {"machine": _machine(), "model": model}
    report["encoder"] = measure_encoder(model, sample_docs)
    log("ingestion…")
    report["ingestion"] = measure_ingestion(model, workdir, sample_docs)
    report["ingestion"]["ratio_to_encoder"] = (
        report["ingestion"]["chunks_per_s"] / report["encoder"]["chunks_per_s"]
    )
    report["sizes"] = []
    for size in sizes:
        home = workdir / f"home-{size}"
        log(f"base de {size or 'taille livrée'} passages…")
        built = build_scale_home(home, model, size, workdir, pool_size, log)
        entry = {"target_chunks": size, **built}
        if built["reingest_documents"] >= 10_000:
            log("  ré-ingestion inchangée de 10 000 documents…")
            entry["reingest_unchanged"] = measure_reingest(
                home, model, Path(built["reingest_folder"])
            )
        log("  latences (processus neuf)…")
        entry["latency"] = _latency_in_subprocess(home, model, rounds)
        if size == max(sizes):
            log("  mises à jour pendant les questions (processus neuf)…")
            entry["updates"] = _updates_in_subprocess(home, model, UPDATE_STREAM_S)
        report["sizes"].append(entry)
    return report


def _machine() -> dict[str, Any]:
    import platform

    return {"cpus": os.cpu_count(), "python": platform.python_version(),
            "platform": platform.platform(), "processor": platform.machine()}


def format_bench(report: dict[str, Any]) -> str:
    encoder, ingestion = report["encoder"], report["ingestion"]
    lines = [
        f"Machine : {report['machine']['cpus']} cœurs, {report['machine']['platform']}; "
        f"modèle {report['model']}",
        f"Chargement du modèle : {encoder['load_ms']:.0f} ms",
        f"Encodeur brut : {encoder['chunks_per_s']:.1f} passages/s ({encoder['chunks']} passages)",
        f"Ingestion complète : {ingestion['chunks_per_s']:.1f} passages/s "
        f"({ingestion['ratio_to_encoder']:.0%} de l'encodeur brut), jusqu'à interrogeable; "
        f"puis {ingestion['quotes_encoded']} citations encodées en "
        f"{ingestion['quote_seconds']:.1f} s pour les réponses",
        "",
        "| passages | search p50 | p95 | p99 | ask p50 | p95 | p99 | 1re question p50 | p95 | "
        "pic mémoire | ré-ingestion 10 000 docs inchangés |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for entry in report["sizes"]:
        latency = entry["latency"]
        search, ask, first = latency["search_ms"], latency["ask_ms"], latency["first_ask_ms"]
        reingest = entry.get("reingest_unchanged")
        chunks = f"{latency['chunks']:,}".replace(",", " ")
        lines.append(
            f"| {chunks} | {search['p50']:.1f} ms | {search['p95']:.1f} | "
            f"{search['p99']:.1f} | {ask['p50']:.1f} ms | {ask['p95']:.1f} | {ask['p99']:.1f} | "
            f"{first['p50']:.0f} ms | {first['p95']:.0f} | "
            f"{latency['peak_rss_mb']:.0f} Mo | "
            + (f"{reingest['seconds']:.2f} s" if reingest else "—") + " |"
        )
    for entry in report["sizes"]:
        if "updates" in entry:
            lines += ["", *format_updates(entry["updates"])]
    return "\n".join(lines)


def format_updates(updates: dict[str, Any]) -> list[str]:
    visible, idle, busy = updates["visible_ms"], updates["idle_ask_ms"], updates["busy_ask_ms"]
    idle_search, busy_search = updates["idle_search_ms"], updates["busy_search_ms"]
    chunks = f"{updates['chunks']:,}".replace(",", " ")
    return [
        f"Mises à jour de projet à {chunks} passages :",
        f"- mise à jour → trouvable par une recherche : p50 {visible['p50']:.0f} ms, "
        f"max {visible['max']:.0f} ms (écriture seule p50 {updates['put_ms']['p50']:.0f} ms; "
        f"{updates['searches_until_found']} recherche(s) au plus)",
        f"- questions au repos : p50 {idle['p50']:.1f} ms, p99 {idle['p99']:.1f} ms "
        f"({idle['n']} questions; recherche seule p50 {idle_search['p50']:.1f} ms, "
        f"p99 {idle_search['p99']:.1f} ms)",
        f"- questions avec une mise à jour par seconde : p50 {busy['p50']:.1f} ms, "
        f"p99 {busy['p99']:.1f} ms, max {busy['max']:.1f} ms (recherche seule "
        f"p50 {busy_search['p50']:.1f} ms, p99 {busy_search['p99']:.1f} ms; {busy['n']} questions, "
        f"{updates['updates_during_questions']} mises à jour, "
        f"{updates['full_rebuilds_during_questions']} reconstruction(s) complète(s) de l'index "
        f"lexical)",
        f"- pour comparaison, reconstruction complète de l'index lexical : "
        f"{updates['full_rebuild_s']:.1f} s (ce que payait la question suivant chaque écriture)",
    ]


# --- writes during questions: a project update must not stall the next question ------------
UPDATE_STREAM_S = 60.0
UPDATE_EVERY_S = 1.0
VISIBILITY_SAMPLES = 10


def measure_updates(home: Path, model: str, seconds: float) -> dict[str, Any]:
    """Run in a fresh process over a scale data folder; leaves it as it found it."""
    import threading

    from bot.assistant import Assistant
    from retrieval import lexical
    from retrieval.index import KnowledgeIndex

    index = KnowledgeIndex(home, encoder_spec=model, chroma_url="")
    assistant = Assistant(index)
    for query in QUERIES:  # warm-up: lexical index loaded or built, Chroma, caches
        assistant.ask(query)
    started = time.perf_counter()
    index.lexical.compact()  # one full rebuild, timed, apart from everything else
    full_rebuild_s = time.perf_counter() - started
    builds = _count_lexical_builds(lexical)
    updates = _UpdateMaker(index)

    visible_ms, put_ms, searches = [], [], 0
    for _ in range(VISIBILITY_SAMPLES):
        record, chunk, vector, word = updates.next()
        started = time.perf_counter()
        index.put_document(record, [chunk], vector)
        put_ms.append((time.perf_counter() - started) * 1000)
        attempts = _searches_until_found(index, f"{word} mise à jour", chunk.chunk_id)
        visible_ms.append((time.perf_counter() - started) * 1000)
        searches = max(searches, attempts)

    idle_search, idle = _ask_for(assistant, seconds)
    stop = threading.Event()
    written: list[float] = []

    def write_every_second() -> None:
        while not stop.wait(UPDATE_EVERY_S):
            record, chunk, vector, _ = updates.next()
            index.put_document(record, [chunk], vector)
            written.append(time.perf_counter())

    builds_before = len(builds)
    writer = threading.Thread(target=write_every_second, name="bench-updates")
    writer.start()
    try:
        busy_search, busy = _ask_for(assistant, seconds)
    finally:
        stop.set()
        writer.join()
    rebuilds = len(builds) - builds_before
    updates.remove_all()
    return {
        "chunks": index.store.chunk_count(), "full_rebuild_s": full_rebuild_s,
        "visible_ms": {**percentiles(visible_ms), "max": max(visible_ms)},
        "put_ms": percentiles(put_ms), "searches_until_found": searches,
        "idle_ask_ms": {**percentiles(idle), "max": max(idle)},
        "busy_ask_ms": {**percentiles(busy), "max": max(busy)},
        "idle_search_ms": {**percentiles(idle_search), "max": max(idle_search)},
        "busy_search_ms": {**percentiles(busy_search), "max": max(busy_search)},
        "updates_during_questions": len(written),
        "full_rebuilds_during_questions": rebuilds,
    }


def _searches_until_found(index: Any, query: str, chunk_id: str, limit: int = 1000) -> int:
    for attempt in range(1, limit + 1):
        if any(hit.chunk.chunk_id == chunk_id for hit in index.search(query, k=10).hits):
            return attempt
    raise AssertionError(f"{chunk_id} not found after {limit} searches")


def _ask_for(assistant: Any, seconds: float) -> tuple[list[float], list[float]]:
    """Questions back to back for `seconds`, each searched then answered: the latencies in
    ms of the searches (the index's part, what a write can slow down) and of the answers."""
    searches: list[float] = []
    answers: list[float] = []
    deadline = time.perf_counter() + seconds
    position = 0
    while time.perf_counter() < deadline:
        query = QUERIES[position % len(QUERIES)]
        started = time.perf_counter()
        assistant.search(query, k=10)
        searches.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        assistant.ask(query)
        answers.append((time.perf_counter() - started) * 1000)
        position += 1
    return searches, answers


def _count_lexical_builds(lexical: Any) -> list[int]:
    """Count the full builds of the lexical index from now on."""
    builds: list[int] = []
    build = lexical._Main.build.__func__

    def counted(cls: Any, store: str, seq: int, rows: Any) -> Any:
        builds.append(seq)
        return build(cls, store, seq, rows)

    lexical._Main.build = classmethod(counted)
    return builds


class _UpdateMaker:
    """Project-update passages, each with a word of its own; vectors encoded beforehand (the
    updates' cost is the index's, not the encoder's)."""

    def __init__(self, index: Any, pool: int = 8) -> None:
        self.index = index
        self.count = 0
        self.doc_ids: list[str] = []
        self.vectors = index.encoder.encode_documents(
            [f"Mise à jour du projet {n} : la friperie a accueilli des familles." for n in
             range(pool)]
        )

    def next(self) -> tuple[Any, Any, np.ndarray, str]:
        from retrieval.chunk_store import DocumentRecord
        from retrieval.chunking import Chunk

        self.count += 1
        word = "bench" + "".join(chr(ord("a") + int(d)) for d in f"{self.count:05d}")
        doc_id = f"project-update:bench-{self.count}"
        metadata = {"doc_id": doc_id, "title": "Suivi des projets", "source": "projets",
                    "kind": "project-update", "plan": "", "period": "", "measure": "",
                    "region": "Mauricie", "url": ""}
        chunk = Chunk(
            chunk_id=f"{doc_id}::0000", doc_id=doc_id,
            section=f"Friperie {word} — mise à jour", position=0, metadata=metadata,
            text=f"La friperie {word} a accueilli {self.count} familles ce mois-ci.",
        )
        record = DocumentRecord(doc_id, doc_id, "bench-updates", f"h{self.count}",
                                chunk.section, 1, time.time())
        self.doc_ids.append(doc_id)
        return record, chunk, self.vectors[self.count % len(self.vectors)][None, :], word

    def remove_all(self) -> None:
        for doc_id in self.doc_ids:
            self.index.remove_document(doc_id)


def _updates_in_subprocess(home: Path, model: str, seconds: float) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "evaluations.bench", "updates", str(home), model, str(seconds)],
        capture_output=True, text=True, check=True,
        env={**os.environ, "ALLIANCES_CHROMA_URL": ""},
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- concurrency: a slow LLM must not hold back the other answers ----------------------------
# `alliances bench --concurrency`; the waves and what they measure: evaluations/concurrency_bench.


def run_concurrency(
    model: str, workdir: Path, *, llm_seconds: float = 10.0,
    log: Callable[[str], None] = lambda _: None,
) -> dict[str, Any]:
    from evaluations.concurrency_bench import run_concurrency_bench

    return {"machine": _machine(), **run_concurrency_bench(
        model, workdir, llm_seconds=llm_seconds, log=log
    )}


def format_concurrency(report: dict[str, Any]) -> str:
    from evaluations.concurrency_bench import format_concurrency as format_waves

    machine = report["machine"]
    return f"Machine : {machine['cpus']} cœurs, {machine['platform']}\n" + format_waves(report)


if __name__ == "__main__":  # the probes run in a fresh process by run_bench
    if len(sys.argv) == 5 and sys.argv[1] == "latency":
        result = measure_latency(Path(sys.argv[2]), sys.argv[3], int(sys.argv[4]))
        print(json.dumps(result))
    elif len(sys.argv) == 5 and sys.argv[1] == "updates":
        result = measure_updates(Path(sys.argv[2]), sys.argv[3], float(sys.argv[4]))
        print(json.dumps(result))
