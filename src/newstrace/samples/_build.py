"""Builds the bundled sample corpus (``newstrace demo`` ingests it). Run from the repo root:

    .venv/bin/python src/newstrace/samples/_build.py

Everything here is FICTIONAL: the outlets, people, places and events were invented for newstrace;
no real article is copied. The generated files are committed, so this script is only needed to
change the corpus. Layout:

    sites/<host>/...html         pages saved from five fictional sites (distinct templates)
    archives/crawl-2025-03.warc.gz  three pages as a crawler would have stored them
    exports/pinecrest-export.jsonl  two pages from a blog export (one as HTML, one as Markdown-ish text)
    bad/                          a corrupt .html.gz and a binary file named .html

Stories (origin -> copies):
  A  Valdren dam (Meridian Courier, 4 Mar 2025)
       -> Global Reader Network full copy, credited "The original source of this article is ..." + link
       -> Truthwave Daily edited copy (new headline, added intro, sentences dropped, words substituted)
       -> Eurovoice Mirror German translation (full), "Quelle: Meridian Courier"
       -> Pinecrest Notes (JSONL text) copy of the GRN copy, "Republished from Global Reader Network" (chain)
  B  Kessa port strike (Meridian Courier, 10 Mar 2025)
       -> GRN partial copy (first three paragraphs + "Read more at Meridian Courier")
       -> Eurovoice Mirror English copy, no visible credit but an original-source meta
       -> Truthwave compilation (with D), per-section "Source: X" lines
  C  Northfield triage trial (Northfield Dispatch, 6 Mar 2025)
       -> Truthwave full copy with no credit
       -> Eurovoice Mirror Spanish translation of the first four paragraphs
       -> GRN full copy "This article first appeared on Northfield Dispatch" (in the WARC)
       -> the Dispatch's own AMP URL of the same article (duplicate, in the WARC)
  D  Sarvik drone survey (Northfield Dispatch, 12 Mar 2025; embedded video + bare .mp4 link)
       -> GRN copy misdated 27 Feb 2025 (before its origin) but crediting the Dispatch with a link
       -> Truthwave compilation (with B)
Operators: Global Reader Network and Truthwave Daily share one PayPal e-mail and one analytics id.
"""
from __future__ import annotations

import gzip
import hashlib
import html
import io
import json
import re
from pathlib import Path

HERE = Path(__file__).resolve().parent
E = html.escape

# ----------------------------------------------------------------------------------------------
# The origin articles (prose written for newstrace)
# ----------------------------------------------------------------------------------------------
A = dict(
    title="Varonia approves Valdren dam despite fishermen's protests",
    byline="Ilse Varga", date="2025-03-04T09:30:00+01:00", human="Tuesday 4 March 2025, 09:30 CET",
    url="https://meridiancourier.example/environment/2025/03/04/valdren-dam-approved",
    region="Europe", theme="Environment", tags=["Valdren", "Dams", "Fisheries", "Energy"],
    paras=[
        "The Varonian government on Tuesday approved the construction of a 68-metre dam on the upper Valdren "
        "river, ending four years of hearings and overruling objections from fishing communities downstream who "
        "say the project will destroy the spring salmon run.",
        "Energy minister Petra Lindqvar told reporters in the capital, Osterhal, that the dam would supply roughly "
        "410 megawatts, enough to power a third of the country's homes, and would allow the last two coal-fired "
        "plants in the north to close by 2031. \u201cWe cannot ask people to wait another decade for clean "
        "power,\u201d she said.",
        "The decision was announced a day after around 2,000 people marched through the river town of Brennik, "
        "many carrying nets and hand-painted signs. Fishermen's associations estimate that 1,100 jobs depend on "
        "the Valdren catch, most of them in villages with no other large employer.",
        "\u201cThey are drowning our valley so the capital can keep its lights on,\u201d said Anton Reule, who has "
        "fished the lower Valdren for 31 years and chairs the Brennik cooperative. \u201cNobody from the ministry "
        "came here to ask us.\u201d",
        "An environmental assessment published in January found that the reservoir would flood about 23 square "
        "kilometres of forest and farmland and warned that fish ladders \u201cmay not be sufficient\u201d to "
        "maintain salmon numbers. The ministry says it has since doubled the budget for fish passage and habitat "
        "restoration to 140 million crowns.",
        "Opposition lawmakers have called for a referendum. The Green Alliance, which holds 14 of the 120 seats in "
        "parliament, said it would challenge the approval in the constitutional court, arguing that the hearings "
        "did not properly consult the three municipalities on the lower river.",
        "Construction is expected to start in the autumn and take six years. The state utility, Varokraft, has "
        "said that local contractors will be favoured and that 600 construction jobs will be created at the peak "
        "of the works.",
        "For now, the protesters say they will keep up their campaign. A second march is planned for the end of "
        "the month, and the cooperative has begun collecting signatures for a petition to the European "
        "Parliament.",
    ],
)

B = dict(
    title="Kessa port strike enters second week as grain ships queue offshore",
    byline="Tomas Brell", date="2025-03-10T18:05:00+01:00", human="Monday 10 March 2025, 18:05 CET",
    url="https://meridiancourier.example/economy/2025/03/10/kessa-port-strike-second-week",
    region="Europe", theme="Economy", tags=["Kessa", "Strikes", "Shipping", "Agriculture"],
    paras=[
        "A strike by dock workers at the port of Kessa entered its second week on Monday, with 37 bulk carriers "
        "now waiting at anchor and grain traders warning of penalties running into millions of euros.",
        "The dock workers' union, which represents about 3,400 people, walked out on 3 March after talks on a new "
        "wage agreement collapsed. It is demanding a 9 percent raise over two years and limits on night shifts, "
        "which it says have doubled since the port automated two of its terminals.",
        "The port authority has offered 5 percent and a review of shift patterns. Its director, Marek Solheim, "
        "said on Sunday that the union's demands would \u201cmake Kessa the most expensive port on the coast\u201d "
        "and push shipping lines to rival harbours.",
        "Kessa handles roughly a quarter of the region's grain exports. Farmers' groups said silos inland were "
        "close to full and that some growers had begun storing wheat in barns and under tarpaulins.",
        "\u201cEvery day the ships sit there costs us money we will never see again,\u201d said Hanne Koivu, who "
        "runs a grain cooperative of 80 farms. \u201cWe support fair wages, but someone has to sit down and end "
        "this.\u201d",
        "The transport ministry has offered to mediate, and both sides are expected to meet on Wednesday for the "
        "first time since the walkout began. Union leader Jonas Ekberg said the workers would return \u201cthe "
        "day there is a serious offer on the table.\u201d",
        "Economists at the Kessa Chamber of Commerce estimate that each week of the strike removes about 0.1 "
        "percentage points from the region's quarterly growth, and that the backlog of ships would take at least "
        "ten days to clear once work resumes.",
    ],
)

C = dict(
    title="Nurse-led triage halves emergency waits in Northfield hospital trial",
    byline="Dana Okafor", date="2025-03-06T07:00:00-05:00", human="March 6, 2025",
    url="https://northfielddispatch.example/health/2025/03/06/nurse-led-triage-trial",
    region="North America", theme="Health", tags=["Hospitals", "Northfield General", "Nursing"],
    paras=[
        "A six-month trial at Northfield General Hospital in which experienced nurses, rather than junior "
        "doctors, decide the order in which emergency patients are seen has cut the median wait for a first "
        "assessment from 74 minutes to 31, according to figures released on Thursday.",
        "The trial, which began in September, placed two senior triage nurses at the entrance of the emergency "
        "department around the clock. They were given authority to order blood tests and X-rays and to send "
        "patients with minor injuries directly to a separate fast-track clinic.",
        "\u201cThe biggest change is that nobody sits in the waiting room for an hour before someone looks at "
        "them,\u201d said Ruth Almeda, the emergency department's head nurse, who designed the scheme with two "
        "colleagues. \u201cMost of the time, we know within five minutes who needs a doctor right now.\u201d",
        "The hospital recorded no increase in adverse events during the trial, and the share of patients who left "
        "without being seen fell from 6.2 percent to 1.9 percent. Patient satisfaction scores rose by 18 points.",
        "Doctors' representatives were more cautious. Dr. Felix Amundsen of the county medical association said "
        "the results were \u201cencouraging\u201d but warned that the trial ran during a mild flu season and that "
        "the model had not yet been tested on winter peaks.",
        "The programme cost about 1.2 million dollars, most of it for additional nursing staff. Hospital "
        "administrators say it paid for itself by reducing overtime for physicians and the number of patients "
        "admitted overnight for observation.",
        "The county health board will vote next month on whether to extend the scheme to the region's two other "
        "hospitals, in Lakemont and Carver Falls.",
        "Almeda said nurses in other departments had already asked to visit. \u201cPeople think triage is a desk "
        "and a clipboard,\u201d she said. \u201cIt is really the first diagnosis a patient gets.\u201d",
    ],
)

VIDEO = "https://media.northfielddispatch.example/video/sarvik-drone-survey-2025.mp4"
D = dict(
    title="Drone survey reveals illegal logging inside Sarvik forest reserve",
    byline="Samuel Reyes-Hart", date="2025-03-12T06:30:00-05:00", human="March 12, 2025",
    url="https://northfielddispatch.example/environment/2025/03/12/sarvik-drone-survey",
    region="North America", theme="Environment", tags=["Sarvik reserve", "Forestry", "Drones"],
    paras=[
        "Drone footage gathered by a volunteer survey team shows that at least 40 hectares of protected forest in "
        "the Sarvik reserve have been cleared in the past year, despite a logging ban that has been in place "
        "since 2012.",
        "The team, made up of students and retired foresters from the Northfield area, flew three drones over the "
        "reserve on eleven days in February. Their maps, shared with the Dispatch, show fresh stumps, skid trails "
        "and a gravel road that does not appear on any official plan.",
        "\u201cWe expected a few trees taken for firewood,\u201d said Ingrid Maalouf, a retired state forester "
        "who led the survey. \u201cWhat we found was a road built for trucks.\u201d",
        "The state forestry office said it had opened an investigation and sent rangers to the site on Tuesday. "
        "A spokesperson declined to say whether any companies were suspected of being involved.",
        "Conservation groups have long complained that the reserve's 9,000 hectares are patrolled by only two "
        "rangers. The Sarvik Friends Society has asked the legislature to fund four more positions and "
        "satellite monitoring of the reserve's northern edge.",
        f"The survey team has published a 12-minute video of the flights, which is available in full at {VIDEO} "
        "for anyone who wants to check the maps against the footage.",
    ],
)

# German translation of A (full), written for newstrace
A_DE = dict(
    title="Varonia genehmigt Valdren-Staudamm trotz Protesten der Fischer",
    paras=[
        "Die varonische Regierung hat am Dienstag den Bau eines 68 Meter hohen Staudamms am oberen Valdren "
        "genehmigt. Damit enden vier Jahre Anhörungen, und die Einwände der Fischergemeinden flussabwärts werden "
        "übergangen, die befürchten, dass das Projekt den Lachszug im Frühjahr zerstören wird.",
        "Energieministerin Petra Lindqvar sagte vor Journalisten in der Hauptstadt Osterhal, der Damm werde rund "
        "410 Megawatt liefern, genug für ein Drittel der Haushalte des Landes, und es erlauben, die letzten beiden "
        "Kohlekraftwerke im Norden bis 2031 zu schließen. \u201eWir können die Menschen nicht bitten, noch ein "
        "Jahrzehnt auf saubere Energie zu warten\u201c, sagte sie.",
        "Die Entscheidung wurde einen Tag nachdem rund 2.000 Menschen durch die Flussstadt Brennik gezogen waren "
        "bekanntgegeben; viele trugen Netze und handgemalte Schilder. Die Fischereiverbände schätzen, dass 1.100 "
        "Arbeitsplätze vom Fang im Valdren abhängen, die meisten in Dörfern ohne einen anderen großen Arbeitgeber.",
        "\u201eSie fluten unser Tal, damit in der Hauptstadt die Lichter anbleiben\u201c, sagte Anton Reule, der "
        "seit 31 Jahren am unteren Valdren fischt und der Genossenschaft von Brennik vorsteht. \u201eNiemand aus "
        "dem Ministerium ist hergekommen, um uns zu fragen.\u201c",
        "Ein im Januar veröffentlichtes Umweltgutachten kam zu dem Ergebnis, dass der Stausee etwa 23 "
        "Quadratkilometer Wald und Ackerland überfluten würde, und warnte, Fischtreppen seien \u201emöglicherweise "
        "nicht ausreichend\u201c, um den Lachsbestand zu erhalten. Das Ministerium erklärt, es habe das Budget "
        "für Fischpassagen und die Renaturierung von Lebensräumen seither auf 140 Millionen Kronen verdoppelt.",
        "Oppositionsabgeordnete fordern eine Volksabstimmung. Die Grüne Allianz, die 14 der 120 Sitze im "
        "Parlament hält, kündigte an, die Genehmigung vor dem Verfassungsgericht anzufechten, da die drei "
        "Gemeinden am unteren Flusslauf bei den Anhörungen nicht ordnungsgemäß beteiligt worden seien.",
        "Der Bau soll im Herbst beginnen und sechs Jahre dauern. Der staatliche Versorger Varokraft hat erklärt, "
        "dass örtliche Bauunternehmen bevorzugt würden und auf dem Höhepunkt der Arbeiten 600 Arbeitsplätze im "
        "Bau entstehen sollen.",
        "Die Demonstranten wollen ihre Kampagne vorerst fortsetzen. Für Ende des Monats ist ein zweiter Marsch "
        "geplant, und die Genossenschaft hat begonnen, Unterschriften für eine Petition an das Europäische "
        "Parlament zu sammeln.",
    ],
)

# Spanish translation of the first four paragraphs of C (a partial translated copy)
C_ES = dict(
    title="El triaje dirigido por enfermeras reduce a la mitad las esperas en urgencias de Northfield",
    paras=[
        "Un ensayo de seis meses en el Hospital General de Northfield, en el que enfermeras con experiencia, y no "
        "médicos residentes, deciden el orden en que se atiende a los pacientes de urgencias, ha reducido la "
        "espera media para una primera valoración de 74 a 31 minutos, según las cifras publicadas el jueves.",
        "El ensayo, que comenzó en septiembre, situó a dos enfermeras sénior de triaje a la entrada del servicio "
        "de urgencias las veinticuatro horas del día. Tenían autoridad para pedir análisis de sangre y "
        "radiografías y para enviar a los pacientes con lesiones leves directamente a una consulta rápida aparte.",
        "\u00abEl mayor cambio es que nadie pasa una hora en la sala de espera antes de que alguien lo vea\u00bb, "
        "dijo Ruth Almeda, jefa de enfermería de urgencias, que diseñó el sistema con dos colegas. \u00abLa "
        "mayoría de las veces sabemos en cinco minutos quién necesita un médico ahora mismo\u00bb.",
        "El hospital no registró un aumento de incidentes adversos durante el ensayo, y la proporción de "
        "pacientes que se marcharon sin ser atendidos bajó del 6,2 % al 1,9 %. La satisfacción de los pacientes "
        "subió 18 puntos.",
    ],
)

LOCAL = {
    "library": dict(
        title="Osterhal library to stay open until midnight during exam season",
        byline="Mirela Strand", date="2025-03-07T11:00:00+01:00", human="Friday 7 March 2025, 11:00 CET",
        url="https://meridiancourier.example/city/2025/03/07/osterhal-library-midnight",
        region="Europe", theme="City", tags=["Osterhal", "Libraries", "Students"],
        paras=[
            "The central library in Osterhal will stay open until midnight on weekdays from the end of March until "
            "the university exams finish in June, the city's culture office said on Friday.",
            "The extended hours follow a petition signed by more than 4,000 students who said reading rooms on "
            "campus were full by nine in the morning. The city will pay for two extra staff on each evening shift "
            "and for security at the main entrance.",
            "Librarian Oskar Henning said the building's third floor, closed since a roof repair last year, would "
            "reopen with 120 additional desks. Coffee will not be allowed upstairs, he added.",
        ]),
    "tram": dict(
        title="Tram line 4 closed for track repairs until April",
        byline="Mirela Strand", date="2025-03-11T08:15:00+01:00", human="Tuesday 11 March 2025, 08:15 CET",
        url="https://meridiancourier.example/city/2025/03/11/tram-line-4-closed",
        region="Europe", theme="City", tags=["Osterhal", "Transport"],
        paras=[
            "Tram line 4 between Osterhal central station and the Nordby hospital will be closed for four weeks "
            "from Monday while crews replace worn rails on the Kanalbrücke bend, the city transport company said.",
            "Replacement buses will run every six minutes at peak hours. Passengers travelling to the hospital "
            "are advised to allow an extra 15 minutes, as the buses must use the congested ring road.",
            "The repairs were brought forward after inspectors found cracks in two rail joints in January. The "
            "work is expected to cost 3.8 million crowns.",
        ]),
    "skatepark": dict(
        title="Northfield council approves skate park on old rail yard",
        byline="Dana Okafor", date="2025-03-03T17:45:00-05:00", human="March 3, 2025",
        url="https://northfielddispatch.example/local/2025/03/03/skate-park-approved",
        region="North America", theme="Local", tags=["Northfield council", "Parks"],
        paras=[
            "Northfield's city council voted 7 to 2 on Monday night to build a public skate park on the disused "
            "rail yard behind the Eastgate market, ending a two-year search for a site.",
            "The park will cost about 850,000 dollars, a third of it raised by a group of local teenagers who "
            "organised bake sales, car washes and a winter concert. Construction could begin in June.",
            "Councillor Brenda Sato, who voted against, said she supported the park but worried about noise for "
            "the apartments on Mill Street. The plans include a planted earth bank along that side.",
        ]),
    "marsh": dict(
        title="Spring migration notes from Pinecrest marsh",
        byline="Harlan Pike", date="2025-03-09", human="March 9, 2025",
        url="https://pinecrest-notes.example/2025/03/09/spring-migration-notes",
        region=None, theme="Nature", tags=["birds", "Pinecrest marsh"],
        paras=[
            "The first redwing flocks came through the Pinecrest marsh on Saturday morning, a good ten days "
            "earlier than last year. I counted 64 of them along the boardwalk before the fog lifted.",
            "The water level is still high after the February rains, which keeps the waders away from the "
            "southern pools. A single grey heron has claimed the old fence post by the hide and does not "
            "seem inclined to share it.",
            "If you visit this month, bring boots: the path past the reed beds is under ten centimetres of "
            "water in places, and the council has not yet put the duckboards back.",
        ]),
}


def ps(paras: list[str]) -> str:
    return "\n".join(f"<p>{E(p)}</p>" for p in paras)


def ps_linked(paras: list[str]) -> str:
    """Paragraphs with a bare media URL in the text turned into a link (as CMSs do)."""
    out = []
    for p in paras:
        q = E(p)
        if VIDEO in p:
            q = q.replace(VIDEO, f'<a href="{VIDEO}">{VIDEO}</a>')
        out.append(f"<p>{q}</p>")
    return "\n".join(out)


# ----------------------------------------------------------------------------------------------
# Site 1: Meridian Courier (origin outlet; HTML5 article template, newsletter box, GA4 tag)
# ----------------------------------------------------------------------------------------------
def meridian(a: dict, extra_head: str = "") -> str:
    tags = " ".join(f'<li><a rel="tag" href="/tag/{t.lower().replace(" ", "-")}">{E(t)}</a></li>' for t in a["tags"])
    return f"""<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<title>{E(a['title'])} | Meridian Courier</title>
<link rel="canonical" href="{a['url']}">
<meta property="og:url" content="{a['url']}">
<meta property="og:title" content="{E(a['title'])}">
<meta property="og:site_name" content="Meridian Courier">
<meta name="author" content="{E(a['byline'])}">
<meta name="description" content="{E(a['paras'][0][:150])}">
<meta property="article:published_time" content="{a['date']}">
<meta property="article:section" content="{a['theme']}">
<meta name="twitter:site" content="@meridiancourier">
{extra_head}<script async src="https://www.googletagmanager.com/gtag/js?id=G-MRDN4K7Q2Z"></script>
<script>window.dataLayer=window.dataLayer||[];function gtag(){{dataLayer.push(arguments);}}gtag('js',new Date());gtag('config','G-MRDN4K7Q2Z');</script>
</head>
<body class="mc">
<header class="mc-masthead">
  <a class="mc-logo" href="https://meridiancourier.example/"><img src="/static/mc-logo.svg" alt="Meridian Courier"></a>
  <nav class="mc-nav"><a href="/">Front page</a> <a href="/europe">Europe</a> <a href="/economy">Economy</a>
  <a href="/environment">Environment</a> <a href="/city">City</a> <a href="/opinion">Opinion</a></nav>
</header>
<main>
<article class="mc-article">
  <div class="mc-labels"><span class="mc-label">Region: {E(a['region'])}</span> <span class="mc-label">Theme: {E(a['theme'])}</span></div>
  <h1>{E(a['title'])}</h1>
  <p class="mc-byline">By <a rel="author" href="/authors/{a['byline'].lower().replace(' ', '-')}">{E(a['byline'])}</a>
  &middot; <time datetime="{a['date']}">{a['human']}</time></p>
  <div class="mc-body">
{ps(a['paras'])}
<p>Sign up for the Courier Morning Brief to get the day's most important stories from Osterhal and the region in your inbox at seven.</p>
<p>Meridian Courier is an independent newspaper owned by its staff trust. Our reporting is free to read and always will be.</p>
  </div>
  <ul class="mc-tags">{tags}</ul>
</article>
<aside class="mc-sidebar"><h2>Most read</h2><ol><li><a href="/city/2025/03/07/osterhal-library-midnight">Library to stay open until midnight</a></li>
<li><a href="/economy/2025/03/10/kessa-port-strike-second-week">Kessa port strike enters second week</a></li></ol></aside>
</main>
<footer class="mc-footer"><p>&copy; 2025 Meridian Courier Media Ltd, Kanalgata 12, Osterhal. Letters: letters@meridiancourier.example</p>
<p><a href="https://twitter.com/meridiancourier">Twitter</a> <a href="https://www.facebook.com/meridiancourier">Facebook</a></p></footer>
</body>
</html>
"""


# ----------------------------------------------------------------------------------------------
# Site 2: Northfield Dispatch (origin outlet; div layout, breadcrumb, JSON-LD, UA id, sidebar)
# ----------------------------------------------------------------------------------------------
def northfield(a: dict, url: str | None = None, video: bool = False, amp: bool = False) -> str:
    url = url or a["url"]
    ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": a["title"],
          "datePublished": a["date"], "author": {"@type": "Person", "name": a["byline"]},
          "publisher": {"@type": "Organization", "name": "Northfield Dispatch"}, "keywords": a["tags"]}
    media = ""
    if video:
        media = f"""<figure class="nd-video"><video controls width="640" poster="https://media.northfielddispatch.example/img/sarvik-poster.jpg">
<source src="{VIDEO}" type="video/mp4"></video>
<figcaption>Drone footage of the cleared area, February 2025 (Sarvik Survey Team)</figcaption></figure>
<iframe class="nd-embed" width="560" height="315" src="https://www.youtube.com/embed/nd7SarvikQ2" title="Sarvik drone survey"></iframe>
"""
    canonical = a["url"]
    return f"""<!doctype html>
<html lang="en-US">
<head>
<meta charset="utf-8">
<title>{E(a['title'])} - Northfield Dispatch</title>
<link rel="canonical" href="{canonical}">
{'<link rel="amphtml" href="' + a['url'] + '/amp">' if not amp else ''}
<meta property="og:site_name" content="Northfield Dispatch">
<meta property="og:url" content="{url}">
<script type="application/ld+json">{json.dumps(ld)}</script>
<script>
  (function(i,s,o,g,r,a,m){{i['GoogleAnalyticsObject']=r;}})(window,document,'script','//www.google-analytics.com/analytics.js','ga');
  ga('create', 'UA-58210374-1', 'auto'); ga('send', 'pageview');
</script>
<script>(function(w,d,s,l,i){{w[l]=w[l]||[];}})(window,document,'script','dataLayer','GTM-NFD7K2Q');</script>
</head>
<body>
<div id="nd-top"><div class="nd-brand"><a href="https://northfielddispatch.example/">The Northfield Dispatch</a></div>
<div class="nd-menu"><a href="/local">Local</a> | <a href="/health">Health</a> | <a href="/environment">Environment</a> | <a href="/sports">Sports</a></div></div>
<div id="nd-wrap">
 <div id="nd-content">
  <div class="breadcrumb"><a href="/">Home</a> &gt; <a href="/north-america">North America</a> &gt; <a href="/{a['theme'].lower()}">{E(a['theme'])}</a></div>
  <div class="nd-story">
   <h1 class="nd-headline">{E(a['title'])}</h1>
   <div class="nd-meta">Story by <span class="author">{E(a['byline'])}</span>, Staff Writer &bull; <time datetime="{a['date']}">{a['human']}</time></div>
   {media}
   <div class="nd-text">
{ps_linked(a['paras'])}
<p>The Dispatch is a member of the Northfield Press Cooperative. Corrections and tips: corrections@northfielddispatch.example</p>
   </div>
   <div class="post-tags">Tags: {", ".join(f'<a href="/tag/{t.lower().replace(" ", "-")}">{E(t)}</a>' for t in a['tags'])}</div>
  </div>
 </div>
 <div id="nd-side"><div class="nd-box"><h3>Weather</h3><p>Northfield: 4&deg;C, light rain</p></div>
 <div class="nd-box"><h3>Follow the Dispatch</h3><a href="https://www.instagram.com/northfielddispatch/">Instagram</a></div></div>
</div>
<div id="nd-foot">Northfield Dispatch &middot; 210 Water Street &middot; Published by Northfield Press Cooperative</div>
</body>
</html>
"""


# ----------------------------------------------------------------------------------------------
# Sites 3 and 4: Global Reader Network and Truthwave Daily - one operator (shared PayPal + UA id)
# ----------------------------------------------------------------------------------------------
def _bech32_address(program: bytes) -> str:
    """A checksum-valid bc1 address for a fictional 20-byte witness program (BIP 173)."""
    charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
    acc, bits, data = 0, 0, [0]
    for b in program:
        acc = (acc << 8) | b
        bits += 8
        while bits >= 5:
            bits -= 5
            data.append((acc >> bits) & 31)
    if bits:
        data.append((acc << (5 - bits)) & 31)
    gen = [0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3]

    def polymod(values):
        chk = 1
        for v in values:
            top = chk >> 25
            chk = (chk & 0x1FFFFFF) << 5 ^ v
            for i in range(5):
                chk ^= gen[i] if (top >> i) & 1 else 0
        return chk

    hrp = "bc"
    exp = [ord(x) >> 5 for x in hrp] + [0] + [ord(x) & 31 for x in hrp]
    pm = polymod(exp + data + [0] * 6) ^ 1
    check = [(pm >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(charset[d] for d in data + check)


BTC = _bech32_address(hashlib.sha256(b"newstrace sample: Global Reader Network").digest()[:20])
PAYPAL = "donations@grn-media.example"
UA_SHARED = "UA-77123450-1"
ADSENSE = "ca-pub-4417280093316652"

GRN_TOP = [
    "Select Language \u25bc Translate this article into any language with the button in the top banner.",
]
GRN_BOTTOM = [
    "Note to readers: Please click the share buttons above or below. Follow us on Instagram and Twitter and "
    "subscribe to our Telegram Channel. Feel free to repost and share widely Global Reader Network articles.",
    "Support Global Reader Network: our work depends on readers like you. Make a donation via PayPal to "
    f"{PAYPAL} or send Bitcoin to {BTC}. Every contribution keeps this site free of paywalls.",
    "Global Reader Network is an independent, reader-funded research collective based in Porto Salvo since 2009.",
    "Disclaimer: The contents of this article are of sole responsibility of the author(s). Global Reader Network "
    "will not be responsible for any inaccurate or incorrect statement in this article.",
    "Fair use notice: This site contains copyrighted material the use of which has not always been specifically "
    "authorized by the copyright owner. We make such material available to advance understanding of political, "
    "economic and environmental issues.",
]


def grn(title: str, byline: str, date_human: str, date_iso: str, url: str, region: str, theme: str,
        body_html: str, intro_html: str = "") -> str:
    top = "\n".join(f"<p>{E(p)}</p>" for p in GRN_TOP)
    bottom = "\n".join(f"<p>{E(p)}</p>" for p in GRN_BOTTOM)
    return f"""<!DOCTYPE html>
<html lang="en-US">
<head>
<meta charset="UTF-8">
<title>{E(title)} - Global Reader Network</title>
<link rel="canonical" href="{url}">
<meta property="og:site_name" content="Global Reader Network">
<meta name="date" content="{date_iso}">
<script async src="https://www.googletagmanager.com/gtag/js?id={UA_SHARED}"></script>
<script>gtag('config', '{UA_SHARED}');</script>
<script async src="https://pagead2.googlesyndication.com/pagead/js/adsbygoogle.js?client={ADSENSE}" crossorigin="anonymous"></script>
</head>
<body class="wp-singular post-template-default">
<div class="grn-translate-bar">Select Language <select><option>English</option><option>Deutsch</option><option>Espa&ntilde;ol</option></select></div>
<div id="grn-header"><h2 class="grn-logo"><a href="https://globalreadernet.example/">GLOBAL READER NETWORK</a></h2>
<ul class="grn-menu"><li><a href="/region/europe">Europe</a></li><li><a href="/region/americas">Americas</a></li><li><a href="/theme/environment">Environment</a></li><li><a href="/donate">Donate</a></li></ul></div>
<div id="grn-main">
<div class="grn-post">
<h1 class="entry-title">{E(title)}</h1>
<div class="grn-byline">By <span class="author-name">{E(byline)}</span></div>
<div class="grn-date">Global Reader Network, {date_human}</div>
<div class="grn-taxonomy"><span>Region: {E(region)}</span> | <span>Theme: {E(theme)}</span></div>
<div class="grn-sharebar"><a href="https://www.facebook.com/sharer/sharer.php?u={url}">Share on Facebook</a> <a href="https://twitter.com/intent/tweet?url={url}">Tweet</a> <a href="https://t.me/share/url?url={url}">Telegram</a></div>
<div class="entry-content">
{top}
{intro_html}
{body_html}
{bottom}
</div>
<ins class="adsbygoogle" data-ad-client="{ADSENSE}" data-ad-slot="7712004411"></ins>
</div>
<div id="grn-sidebar"><h3>Join our Telegram</h3><p><a href="https://t.me/grn_dispatches">t.me/grn_dispatches</a></p>
<h3>Follow us</h3><p><a href="https://www.instagram.com/globalreadernet/">Instagram</a></p></div>
</div>
<div id="grn-footer">Copyright &copy; Global Reader Network, 2025. Contact: editors@globalreadernet.example</div>
</body>
</html>
"""


TW_FURNITURE_TOP = [
    "Truthwave Daily brings you the stories the corporate press would rather you did not read.",
]
TW_FURNITURE_BOTTOM = [
    "Get our daily newsletter: the five stories that matter, straight to your inbox every morning.",
    "Truthwave Daily survives on your support. Donate via PayPal to "
    f"{PAYPAL} or become a patron at patreon.com/truthwavedaily. No ads, no billionaires, no bosses.",
    "The views expressed in this article are those of the author and do not necessarily reflect the position "
    "of Truthwave Daily.",
]


def truthwave(title: str, byline: str, date_iso: str, date_human: str, url: str, sections: list[str],
              body_html: str) -> str:
    ld = {"@context": "https://schema.org", "@type": "BlogPosting", "headline": title, "datePublished": date_iso,
          "author": {"@type": "Person", "name": byline}}
    top = "\n".join(f"<p><em>{E(p)}</em></p>" for p in TW_FURNITURE_TOP)
    bottom = "\n".join(f"<p>{E(p)}</p>" for p in TW_FURNITURE_BOTTOM)
    return f"""<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>{E(title)} &laquo; Truthwave Daily</title>
<meta property="og:url" content="{url}">
<meta property="og:site_name" content="Truthwave Daily">
<script type="application/ld+json">{json.dumps(ld)}</script>
<script type="text/javascript">
var _gaq = _gaq || []; _gaq.push(['_setAccount', '{UA_SHARED}']); _gaq.push(['_trackPageview']);
</script>
</head>
<body>
<table width="100%" class="tw-top"><tr><td><a href="https://truthwavedaily.example/"><b>TRUTHWAVE DAILY</b></a></td>
<td align="right"><a href="https://t.me/truthwave_daily">Telegram</a> &middot; <a href="https://www.patreon.com/truthwavedaily">Patreon</a> &middot; <a href="https://gab.com/truthwavedaily">Gab</a></td></tr></table>
<div class="tw-columns">
<div class="tw-left"><h4>Trending</h4><ul><li><a href="/trending/1">Who really owns the river?</a></li><li><a href="/trending/2">Hospital waits: the numbers they hide</a></li></ul></div>
<div class="tw-center">
<div class="post">
<h1 class="post-title">{E(title)}</h1>
<div class="post-info">Posted by <a href="/author/{byline.lower().replace(' ', '')}" rel="author">{E(byline)}</a> on {date_human}</div>
<p class="filed">Filed under: {", ".join(E(s) for s in sections)}</p>
<div class="share-top"><a href="https://www.facebook.com/sharer.php?u={url}">f</a> <a href="https://x.com/intent/post?url={url}">x</a></div>
<div class="post-body">
{top}
{body_html}
{bottom}
</div>
</div>
</div>
</div>
<div class="tw-foot">&copy; Truthwave Daily. Write to us: tips@truthwavedaily.example &middot; Telegram: @truthwave_daily</div>
</body>
</html>
"""


# ----------------------------------------------------------------------------------------------
# Site 5: Eurovoice Mirror (multilingual republisher; hreflang alternates, Patreon + Ko-fi)
# ----------------------------------------------------------------------------------------------
EV_BANNER = {
    "de": "Lesen Sie diesen Artikel in Ihrer Sprache: Deutsch | English | Español",
    "es": "Lea este artículo en su idioma: Español | English | Deutsch",
    "en": "Read this article in your language: English | Deutsch | Español",
}
EV_APPEAL = {
    "de": "Eurovoice Mirror ist unabhängig und werbefrei. Unterstützen Sie uns auf patreon.com/eurovoicemirror "
          "oder spendieren Sie uns einen Kaffee auf ko-fi.com/eurovoice.",
    "es": "Eurovoice Mirror es independiente y no tiene publicidad. Apóyenos en patreon.com/eurovoicemirror "
          "o invítenos a un café en ko-fi.com/eurovoice.",
    "en": "Eurovoice Mirror is independent and ad-free. Support us on patreon.com/eurovoicemirror or buy us a "
          "coffee at ko-fi.com/eurovoice.",
}
EV_SUBSCRIBE = {
    "de": "Abonnieren Sie den Eurovoice-Wochenbrief: jeden Sonntag die wichtigsten Geschichten aus ganz Europa.",
    "es": "Suscríbase al boletín semanal de Eurovoice: cada domingo, las historias más importantes de Europa.",
    "en": "Subscribe to the Eurovoice weekly letter: every Sunday, the stories that mattered across Europe.",
}


def eurovoice(lang: str, title: str, byline: str, date_iso: str, date_human: str, slug: str, section: str,
              body_html: str, langs: list[str], extra_head: str = "") -> str:
    base = "https://eurovoice-mirror.example"
    url = f"{base}/{lang}/{slug}"
    alts = "\n".join(f'<link rel="alternate" hreflang="{l}" href="{base}/{l}/{slug}">' for l in langs)
    alts += f'\n<link rel="alternate" hreflang="x-default" href="{base}/en/{slug}">'
    label = {"de": "Von", "es": "Por", "en": "By"}[lang]
    return f"""<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<title>{E(title)} — Eurovoice Mirror</title>
<link rel="canonical" href="{url}">
{alts}
<meta property="og:site_name" content="Eurovoice Mirror">
<meta property="article:published_time" content="{date_iso}">
<meta property="article:section" content="{E(section)}">
<meta name="author" content="{E(byline)}">
{extra_head}<script async src="https://www.googletagmanager.com/gtag/js?id=G-EVM93XQ2LP"></script>
</head>
<body>
<header><div class="ev-logo">Eurovoice <strong>Mirror</strong></div>
<nav class="ev-lang"><a href="{base}/de/">DE</a> <a href="{base}/en/">EN</a> <a href="{base}/es/">ES</a></nav></header>
<section class="ev-article">
<p class="ev-kicker">{E(section)}</p>
<h1>{E(title)}</h1>
<p class="ev-meta">{label} {E(byline)} · {date_human}</p>
<div class="ev-body">
<p>{E(EV_BANNER[lang])}</p>
{body_html}
<p>{E(EV_SUBSCRIBE[lang])}</p>
<p>{E(EV_APPEAL[lang])}</p>
</div>
</section>
<footer class="ev-footer"><p>Eurovoice Mirror · Brüssel / Bruxelles / Brussels</p></footer>
</body>
</html>
"""


# ----------------------------------------------------------------------------------------------
# The copies
# ----------------------------------------------------------------------------------------------
def edited_copy_of_a() -> tuple[str, str]:
    """Truthwave's edit of A: new headline, an added intro, two paragraphs and a sentence dropped,
    a few words substituted."""
    subs = [("fishing communities", "fishing families"), ("protesters", "villagers"),
            ("the ministry", "the government"), ("approved", "rubber-stamped"), ("roughly", "about")]
    paras = []
    for i, p in enumerate(A["paras"]):
        if i in (5, 6):  # the referendum and the construction timetable are dropped
            continue
        if i == 4:  # keep only the first sentence of the assessment paragraph
            p = p.split(". The ministry says")[0] + "."
        for old, new in subs:
            p = p.replace(old, new)
        paras.append(p)
    intro = ("Once again a distant government has decided that a whole valley is worth less than a power "
             "contract. Here is what happened on the Valdren this week.")
    title = "Fishing villages betrayed as Valdren dam gets the green light"
    return title, f"<p><strong>{E(intro)}</strong></p>\n" + ps(paras)


def pages() -> dict[str, str]:
    out: dict[str, str] = {}
    S = "sites/"
    # -- Meridian Courier: two origins and a local story (the fourth page is in the WARC)
    out[S + "meridiancourier.example/environment/2025/03/04/valdren-dam-approved.html"] = meridian(A)
    out[S + "meridiancourier.example/economy/2025/03/10/kessa-port-strike-second-week.html"] = meridian(B)
    out[S + "meridiancourier.example/city/2025/03/07/osterhal-library-midnight.html"] = meridian(LOCAL["library"])
    # -- Northfield Dispatch: two origins (D with video) and a local story
    out[S + "northfielddispatch.example/health/2025/03/06/nurse-led-triage-trial.html"] = northfield(C)
    out[S + "northfielddispatch.example/environment/2025/03/12/sarvik-drone-survey.html"] = northfield(D, video=True)
    out[S + "northfielddispatch.example/local/2025/03/03/skate-park-approved.html"] = northfield(LOCAL["skatepark"])

    # -- Global Reader Network
    g1_url = "https://globalreadernet.example/varonia-approves-valdren-dam-despite-fishermens-protests/5871201"
    g1_note = ("<p><em>GRN Editor's Note: We bring to the attention of our readers this report on the Valdren "
               "dam decision and the fishing towns that will live with it.</em></p>")
    g1_credit = (f'<p>The original source of this article is <a href="{A["url"]}">Meridian Courier</a></p>\n'
                 "<p>Copyright &copy; Ilse Varga, Meridian Courier, 2025</p>")
    out[S + "globalreadernet.example/varonia-approves-valdren-dam-despite-fishermens-protests/5871201.html"] = grn(
        A["title"], "Ilse Varga", "March 05, 2025", "2025-03-05", g1_url, "Europe", "Environment",
        ps(A["paras"]) + "\n" + g1_credit, intro_html=g1_note)
    g2_url = "https://globalreadernet.example/kessa-port-strike-enters-second-week/5871388"
    out[S + "globalreadernet.example/kessa-port-strike-enters-second-week/5871388.html"] = grn(
        B["title"], "Tomas Brell", "March 11, 2025", "2025-03-11", g2_url, "Europe", "Economy",
        ps(B["paras"][:3]) + f'\n<p>Read more at <a href="{B["url"]}">Meridian Courier</a></p>')
    g3_url = "https://globalreadernet.example/drone-survey-illegal-logging-sarvik/5869950"
    out[S + "globalreadernet.example/drone-survey-illegal-logging-sarvik/5869950.html"] = grn(
        D["title"], "Samuel Reyes-Hart", "February 27, 2025", "2025-02-27", g3_url, "Americas", "Environment",
        ps_linked(D["paras"][:5]) + "\n" + ps_linked(D["paras"][5:])
        + f'\n<p>This article was originally published on <a href="{D["url"]}">Northfield Dispatch</a>.</p>')

    # -- Truthwave Daily
    out[S + "truthwavedaily.example/2025/03/07/er-waits-halved-nurses-take-charge.html"] = truthwave(
        C["title"], "Truthwave Staff", "2025-03-07T14:20:00Z", "07/03/2025",
        "https://truthwavedaily.example/2025/03/07/er-waits-halved-nurses-take-charge", ["North America", "Health"],
        ps(C["paras"]))
    t2_title, t2_body = edited_copy_of_a()
    out[S + "truthwavedaily.example/2025/03/06/fishing-villages-betrayed-valdren-dam.html"] = truthwave(
        t2_title, "K. Marlow", "2025-03-06T21:00:00Z", "06/03/2025",
        "https://truthwavedaily.example/2025/03/06/fishing-villages-betrayed-valdren-dam", ["Europe", "Environment"],
        t2_body)
    comp = ("<p><strong>Two stories the big networks buried this week: a port on strike and a forest "
            "being cut down in secret.</strong></p>\n"
            "<h2>Kessa: ships stuck, farmers squeezed</h2>\n" + ps(B["paras"][:4])
            + f'\n<p>Source: <a href="{B["url"]}">Meridian Courier</a></p>\n'
            "<h2>Sarvik: the road nobody planned</h2>\n" + ps(D["paras"][:3])
            + f'\n<p>Source: <a href="{D["url"]}">Northfield Dispatch</a></p>')
    out[S + "truthwavedaily.example/2025/03/13/two-stories-they-buried.html"] = truthwave(
        "Two stories they buried: Kessa's stranded ships and Sarvik's secret road", "K. Marlow",
        "2025-03-13T09:00:00Z", "13/03/2025", "https://truthwavedaily.example/2025/03/13/two-stories-they-buried",
        ["World", "Economy"], comp)

    # -- Eurovoice Mirror
    out[S + "eurovoice-mirror.example/de/varonia-valdren-staudamm.html"] = eurovoice(
        "de", A_DE["title"], "Ilse Varga", "2025-03-06T10:00:00+01:00", "6. März 2025", "varonia-valdren-staudamm",
        "Europa / Umwelt",
        ps(A_DE["paras"]) + f'\n<p>Quelle: <a href="{A["url"]}">Meridian Courier</a></p>',
        ["de", "en", "es"])
    out[S + "eurovoice-mirror.example/es/northfield-triaje-enfermeras.html"] = eurovoice(
        "es", C_ES["title"], "Dana Okafor", "2025-03-08T12:00:00+01:00", "8 de marzo de 2025",
        "northfield-triaje-enfermeras", "Norteamérica / Salud",
        ps(C_ES["paras"]) + f'\n<p>Fuente: <a href="{C["url"]}">Northfield Dispatch</a></p>',
        ["es", "en"])
    out[S + "eurovoice-mirror.example/en/kessa-port-strike.html"] = eurovoice(
        "en", B["title"], "Tomas Brell", "2025-03-11T07:40:00+01:00", "11 March 2025", "kessa-port-strike",
        "Europe / Economy", ps(B["paras"]), ["en", "de"],
        extra_head=f'<meta name="original-source" content="{B["url"]}">\n')
    return out


def warc_pages() -> list[tuple[str, str, str]]:
    """(url, fetch date, html) of the pages stored in the WARC."""
    amp_url = "https://northfielddispatch.example/health/2025/03/06/nurse-led-triage-trial/amp"
    g4_url = "https://globalreadernet.example/nurse-led-triage-halves-emergency-waits/5871044"
    g4 = grn(C["title"], "Dana Okafor", "March 07, 2025", "2025-03-07", g4_url, "Americas", "Health",
             ps(C["paras"]) + f'\n<p>This article first appeared on <a href="{C["url"]}">Northfield Dispatch</a>.</p>')
    return [
        (LOCAL["tram"]["url"], "2025-03-11T10:02:11Z", meridian(LOCAL["tram"])),
        (amp_url, "2025-03-06T15:30:40Z", northfield(C, url=amp_url, amp=True)),
        (g4_url, "2025-03-08T02:14:09Z", g4),
    ]


def write_warc(path: Path) -> None:
    """One gzip member per record (the usual .warc.gz layout), WARC/1.1 response records."""
    from fastwarc.warc import WarcRecord, WarcRecordType

    members = []
    for i, (url, date, page) in enumerate(warc_pages()):
        body = page.encode("utf-8")
        http = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
                + f"Content-Length: {len(body)}\r\n".encode() + b"Server: nginx\r\n\r\n" + body)
        rec = WarcRecord()
        rec.init_headers(record_type=WarcRecordType.response,
                         record_urn=f"uuid:00000000-0000-4000-8000-{i:012d}".encode())
        rec.headers["WARC-Target-URI"] = url
        rec.headers["WARC-Date"] = date
        rec.headers["Content-Type"] = "application/http; msgtype=response"
        rec.set_bytes_content(http)
        buf = io.BytesIO()
        rec.write(buf, checksum_data=True)
        members.append(gzip.compress(buf.getvalue(), mtime=0))
    path.write_bytes(b"".join(members))


def jsonl_pages() -> list[dict]:
    """A blog export: one page given as HTML, one as Markdown-ish text (the chain copy of A via GRN)."""
    g1_url = "https://globalreadernet.example/varonia-approves-valdren-dam-despite-fishermens-protests/5871201"
    m = LOCAL["marsh"]
    marsh_html = f"""<html><head><title>{E(m['title'])} | Pinecrest Notes</title>
<link rel="canonical" href="{m['url']}"><meta name="author" content="Harlan Pike">
<meta property="article:published_time" content="2025-03-09T19:12:00+00:00"></head>
<body><div id="blog"><h1>{E(m['title'])}</h1><p class="meta">Harlan Pike, {m['human']}</p>
{ps(m['paras'])}
<p>Support this blog: Pinecrest Notes is written by one person with a pair of binoculars. If you enjoy it, buy me a coffee at buymeacoffee.com/pinecrestnotes.</p>
<p class="tags">Tags: <a rel="tag" href="/tag/birds">birds</a>, <a rel="tag" href="/tag/pinecrest-marsh">Pinecrest marsh</a></p>
</div></body></html>"""
    body = "\n\n".join(A["paras"])
    text = f"""# Valdren dam approved over fishermen's objections

By Harlan Pike

Region: Europe
Theme: Environment

Posted on March 8, 2025

*GRN Editor's Note: We bring to the attention of our readers this report on the Valdren dam decision and the fishing towns that will live with it.*

{body}

Republished from [Global Reader Network]({g1_url})

Support this blog: Pinecrest Notes is written by one person with a pair of binoculars. If you enjoy it, buy me a coffee at [buymeacoffee.com/pinecrestnotes](https://www.buymeacoffee.com/pinecrestnotes).
"""
    return [
        {"url": m["url"], "html": marsh_html, "site": "pinecrest-notes.example",
         "fetched_at": "2025-03-10T08:00:00Z"},
        {"url": "https://pinecrest-notes.example/2025/03/08/valdren-dam-approved", "text": text,
         "site": "pinecrest-notes.example", "fetched_at": "2025-03-10T08:00:05Z"},
    ]


def main() -> None:
    for rel, page in pages().items():
        p = HERE / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(page, encoding="utf-8")
    (HERE / "archives").mkdir(exist_ok=True)
    write_warc(HERE / "archives" / "crawl-2025-03.warc.gz")
    (HERE / "exports").mkdir(exist_ok=True)
    with open(HERE / "exports" / "pinecrest-export.jsonl", "w", encoding="utf-8") as fh:
        for rec in jsonl_pages():
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    bad = HERE / "bad"
    bad.mkdir(exist_ok=True)
    # a gzip file cut off in the middle of its deflate stream
    gz = gzip.compress(meridian(LOCAL["library"]).encode("utf-8"), mtime=0)
    (bad / "truncated-download.html.gz").write_bytes(gz[: len(gz) // 3])
    # a PNG image saved under an .html name (a deterministic 1x1 PNG header plus filler bytes)
    png = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
           + bytes(range(256)) * 4)
    (bad / "press-photo.html").write_bytes(png)


if __name__ == "__main__":
    main()
