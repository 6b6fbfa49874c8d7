# ruff: noqa: E501  (verbatim document lines)
"""Clean-text snippets in the shapes `knowledge.loaders.load_document` produces
(docs/TEAM-CONTRACTS.md), shared by the catalog tests; plus checks of the snippets' shape."""

from __future__ import annotations

from pathlib import Path

from knowledge.manifest import DocumentInfo

MEASURE_1_1 = """# RAPPORT ANNUEL D'ACTIVITÉS ANNÉE 2010-2011
Plan d'action gouvernemental pour LA SOLIDARITÉ ET L'INCLUSION SOCIALE (PSIS) 2010-2015
TITRE DE LA MESURE : Créer des Alliances pour la solidarité permettant une meilleure prise en charge de la lutte contre la pauvreté par les milieux
N° DE LA MESURE : 1.1
ORIENTATION DU PSIS : Revoir nos façons de faire et rapprocher les décisions des milieux locaux et régionaux
MINISTÈRE OU ORGANISME RESPONSABLE : Ministère de l'Emploi et de la Solidarité sociale (MESS)
## DESCRIPTION DE LA MESURE
- Reconduction ou bonification d'une mesure du Plan d'action 2004-2010
- Nouvelle mesure (non inscrite dans le document du PSIS 2010-2015 lancé en juin 2010)
Lancé en juin 2010, le PSIS prévoit la création des Alliances pour la solidarité, financées par le Fonds québécois d'initiatives sociales (FQIS).
## ACTIVITÉS RÉALISÉES AU COURS DE LA PÉRIODE
Dès l'été 2010, un montant de 1,2 M$ a été mis à la disposition des régions afin d'amorcer la démarche de concertation et de commencer l'élaboration d'un plan d'action. Concernant la Ville de Montréal, 12,5 M$ ont été versés en continuité de l'entente administrative de développement social et de lutte contre la pauvreté et l'exclusion sociale. Les travaux ont eu cours dans les régions tout au long de l'année 2010-2011.
## COÛT DE LA MESURE
2004-2005 : s. o.
2005-2006 : s. o.
2006-2007 : s. o.
2007-2008 : s. o.
2008-2009 : s. o.
2009-2010 : s. o.
2010-2011 : 13,7 M$
## CLIENTÈLE REJOINTE
2004-2005 : s. o.
2005-2006 : s. o.
2006-2007 : s. o.
2007-2008 : s. o.
2008-2009 : s. o.
2009-2010 : s. o.
2010-2011 : Acteurs régionaux, supralocaux et locaux concernés par le développement des communautés et la lutte contre la pauvreté et l'exclusion sociale.
## ÉTAPES À VENIR
- Échanges et soutien aux CRÉ – signature des Alliances pour la solidarité.
- Suivi des plans d'action régionaux qui sont à la base des Alliances.
- Production d'un rapport d'activités annuel par les CRÉ.
- Production d'un bilan de l'intervention.
- Évaluation de l'intervention territoriale.
## INFORMATION COMPLÉMENTAIRE
La majorité des sommes consenties au FQIS (93 %) vise à soutenir des actions à l'échelle locale, régionale et en milieu autochtone.
## ADS
- Cette mesure est désignée ADS dans le PSIS
- Cette mesure n'est pas désignée ADS
"""

MEASURE_1_3 = """# RAPPORT ANNUEL D'ACTIVITÉS ANNÉE 2010-2011
Plan d'action gouvernemental pour LA SOLIDARITÉ ET L'INCLUSION SOCIALE (PSIS) 2010-2015
TITRE DE LA MESURE : Implanter le Forum de la solidarité au sein de la Table Québec-Régions
N° DE LA MESURE : 1.3
ORIENTATION DU PSIS : Revoir nos façons de faire et rapprocher les décisions des milieux locaux et régionaux
MINISTÈRE OU ORGANISME RESPONSABLE : Ministère de l'Emploi et de la Solidarité sociale (MESS)
## DESCRIPTION DE LA MESURE
- Reconduction ou bonification d'une mesure du Plan d'action 2004-2010
- Nouvelle mesure (non inscrite dans le document du PSIS 2010-2015 lancé en juin 2010)
Afin de consolider le déploiement local et régional des initiatives de lutte contre la pauvreté et l'exclusion sociale, un Forum de la solidarité sera mis en place au sein de la Table Québec-Régions (TQR).
## ACTIVITÉS RÉALISÉES AU COURS DE LA PÉRIODE
Participation de la ministre de l'Emploi et de la Solidarité sociale à la Table Québec-Régions (2 septembre 2010).
## COÛT DE LA MESURE
2004-2005 :
2005-2006 :
2006-2007 :
2007-2008 :
2008-2009 :
2009-2010 :
2010-2011 : s. o.
## CLIENTÈLE REJOINTE
2004-2005 :
2005-2006 :
2006-2007 :
2007-2008 :
2008-2009 :
2009-2010 :
2010-2011 : s. o.
## ÉTAPES À VENIR
Premier Forum de la solidarité prévu à l'hiver 2012.
## INFORMATION COMPLÉMENTAIRE
## ADS
- Cette mesure est désignée ADS dans le PSIS
- Cette mesure n'est pas désignée ADS
"""

PRESENTATION = """# LES ALLIANCES POUR LA SOLIDARITÉ — 3e colloque sur la revitalisation intégrée, 20 mars 2014
## Diapositive 5 : LE PLAN D'ACTION GOUVERNEMENTAL QUATRE ORIENTATIONS
1.Revoir nos façons de faire et rapprocher les décisions des milieux locaux et régionaux 2.Valoriser le travail et favoriser l'autonomie des personnes 3.Soutenir le revenu des personnes défavorisées 4.Améliorer les conditions de vie des personnes et des familles à faible revenu
## Diapositive 9 : LES ALLIANCES POUR LA SOLIDARITÉ : FINANCEMENT
Le FQIS est doté de 115 M$ pour les cinq années du PSIS 90 % de cette enveloppe est réservée au financement des Alliances avec les CRÉ 3 % au financement de l'Alliance avec la Commission de la santé et des services sociaux des Premières Nations du Québec et du Labrador ( CSSSPNQL) 7 % au soutien de projets de portée nationale
## Diapositive 13 : LES ALLIANCES POUR LA SOLIDARITÉ
: L'état des lieux Toutes les Alliances (22) sont actuellement conclues Choix des structures de concertation et de partenariat Répartition des montants consentis dans les territoires Élaboration de plans d'action locaux identifiant des priorités territoriales en lien avec les priorités régionales établies
## Diapositive 14 : Quelques exemples de projets issus des Alliances pour la solidarité
1. Les maraîchers du cœur – plateau de travail en culture maraîchère qui permet à des jeunes défavorisés d'acquérir une expérience de travail et des compétences transférables dans diverses situations
2. Mise en place d'un Centre de valorisation Écotouristique qui vise la participation efficace du milieu (membres d'une coop, entreprises, bénévoles, etc.)
3. Trousse économie habitation qui contient du matériel, des trucs et conseils en consommation pour économiser, accompagnée d'une consultation budgétaire (soutien individualisé)
4. Équipe travail relais – mise en commun des expertises et des réseaux de huit organismes pour créer une forme novatrice de services adaptés
5. La Soupière – ateliers culinaires et distribution de collations (mobilisation dans les écoles et hors écoles, rapprochements parentaux, etc.)
## Diapositive 16 : Merci!
"""

REGIONS_PAGE = """# Alliances pour la solidarité : mandataires et projets par région
Les Alliances pour la solidarité sont des ententes territoriales visant à confier à des organismes mandataires, désignés par les élus en région, la gestion d’une enveloppe provenant du Fonds québécois d’initiatives sociales (FQIS).
Le Plan d’action gouvernemental pour l’inclusion économique et la participation sociale 2017-2023 (PAGIEPS) (PDF, 2,5 Mo) prévoit à la mesure 11 la poursuite des Alliances pour la solidarité.
LE PAGIEPS prévoit des investissements totaux de 160,1 M$ du FQIS dans le cadre des Alliances pour la solidarité.
## Bas-Saint-Laurent
Mandataire : Collectif régional de développement (CRD)
## Mauricie
Mandataire : Consortium en développement social de la Mauricie
## Estrie
Mandataire : La Table des MRC de l’Estrie
## Montréal
Mandataire : Ville de Montréal - Service de la diversité et de l'inclusion sociale
## Outaouais
Mandataire : Conférence des préfets de l’Outaouais
## Abitibi-Témiscamingue
Mandataire : Conférence des préfets de l’Abitibi-Témiscamingue
Lucioles (Relevailles Vallée de l’Or)
## Baie-James
Mandataire : Administration régionale Baie-James
## Nation crie
Mandataire : Gouvernement de la nation crie
Le gouvernement de la nation crie représente les intérêts des quelque 18 000 Cris du Québec.
Programme concentration sport-études (communauté d’Eastmain).
## Kativik
Mandataire : Administration régionale Kativik
La région comprend 14 communautés regroupant environ 12 000 résidents. Les Inuits constituent 91 % de la population.
## Chaudière-Appalaches
Mandataire : MRC des Appalaches
Ce sont 27 projets qui ont été adoptés depuis le début des Alliances 2019-2023. Grâce à la mobilisation des différents milieux, les 10 MRC du territoire ont déployé des actions concrètes de lutte contre la pauvreté et l’exclusion sociale.
Les initiatives réalisées à ce jour concernent les priorités régionales suivantes :
## Lanaudière
Mandataire : Table des préfets de Lanaudière - Alliance pour la solidarité et l'inclusion sociale
## Centre-du-Québec
Mandataire : Table des MRC du Centre-du-Québec
## CSSSPNQL
Mandataire : CSSSPNQL
La Commission de la santé et des services sociaux des Premières Nations du Québec et du Labrador est un organisme à but non lucratif. L’Alliance pour la solidarité est déployée pour 29 communautés des Premières Nations non conventionnées.
## Côte-Nord
Mandataire : Assemblée des MRC de la Côte-Nord
Notons, entre autres, les projets suivants :
Consultez les communiqués dans Québec.ca.
"""

CONTEXT = """# MISE EN CONTEXTE DES ALLIANCES POUR LA SOLIDARITÉ
## 5 buts poursuivis par la stratégie québécoise de lutte contre la pauvreté
- Promouvoir le respect et la protection de la dignité des personnes en situation de pauvreté et lutter contre les préjugés
## 2004-2010 : Premier plan d'action gouvernemental (4 orientations/axes)
1. Offrir un soutien du revenu amélioré aux familles
2. Favoriser l'autonomie économique des personnes
3. Améliorer les conditions de vie des personnes en situation de pauvreté
4. Appuyer l'émergence de stratégies territoriales de lutte contre la pauvreté et l'exclusion sociale (ATI) - soutenues par le FQIS institué par la loi 112
## 2010-2015 : Deuxième plan d'action gouvernemental (4 orientations/axes)
1. Revoir nos façons de faire et rapprocher les décisions des milieux locaux et régionaux (Alliances) FQIS régionalisé
2. Valoriser le travail et favoriser l'autonomie des personnes
3. Soutenir le revenu des personnes défavorisées
4. Améliorer les conditions de vie des personnes et des familles à faible revenu
## 2017-2023 : Troisième plan d'action gouvernemental (4 orientations/axes)
1. Sortir plus de 100 000 personnes de la pauvreté et augmenter le revenu des personnes en situation de pauvreté (mesures 1 à 8)
2. Investir pour améliorer le logement social (mesures 9 et 10)
3. Favoriser la participation des personnes et des familles et mobiliser les milieux (Alliances pour la solidarité – soutenues par le FQIS 160,1 M$)
4. Recherche et évaluation : améliorer l'efficacité de l'action gouvernementale en matière de lutte contre la pauvreté
## Les Alliances pour la solidarité
Ce sont des ententes en vertu desquelles les signataires se voient confier la gestion d'une enveloppe du FQIS.
## AXE 3 DU PLAN D'ACTION
Favoriser la participation sociale des personnes et des familles à faible revenu et mobiliser les milieux
3.1 Soutenir les projets locaux et régionaux en matière de lutte contre la pauvreté et l'exclusion sociale (MTESS, SHQ)
M 11 - Poursuivre les Alliances pour la solidarité (FQIS)
M 12 - Améliorer les conditions de vie et la participation sociale des personnes vivant en logement social
3.2 Soutenir les actions en matière de sécurité alimentaire (MAPAQ, MTESS, MSSS)
3.3 Intervenir dès l'enfance pour favoriser l'égalité des chances (MESS, MF)
3.8 Soutenir l'action communautaire (MTESS)
## LE PAGIÉPS, C'EST PLUS QUE LES ALLIANCES
Le plan d'action est interministériel, car la loi est une loi-cadre. La mesure 11 concerne les Alliances pour la solidarité et les processus de mobilisation aux paliers régional et local. L'enveloppe de 160 M$ pour cette mesure est répartie entre toutes les régions (et MRC par la suite) à partir des critères définis par le Ministère (MTESS) et les territoires.
Source : https://www.mess.gouv.qc.ca/grands-dossiers/plan-action/index.asp
"""


def info(file: str, plan: str | None, period: str | None, title: str = "") -> DocumentInfo:
    return DocumentInfo(doc_id=file, path=Path(file), title=title or file, plan=plan, period=period)


SNIPPET_DOCUMENTS: list[tuple[DocumentInfo, str]] = [
    (info("psis-2010-2011-rapport-mesure-1.1-alliances.md", "PSIS", "2010-2011"), MEASURE_1_1),
    (
        info("psis-2010-2011-rapport-mesure-1.3-forum-solidarite.txt", "PSIS", "2010-2011"),
        MEASURE_1_3,
    ),
    (
        info("colloque-revitalisation-2014-alliances-presentation.txt", "PSIS", "2010-2015"),
        PRESENTATION,
    ),
    (
        info("mtess-alliances-mandataires-regions-2019-2023.txt", "PAGIEPS", "2017-2023"),
        REGIONS_PAGE,
    ),
    (info("mise-en-contexte-alliances-pagieps.md", "PAGIEPS", "2002-2023"), CONTEXT),
]


def test_snippets_follow_the_contract_shapes() -> None:
    for _, text in SNIPPET_DOCUMENTS:
        assert text.startswith("# ")
        assert "\\$" not in text and "<" not in text
