"""Schema as an ordered list of named migrations, applied once each and recorded in ``migrations``.

Add a migration by appending ``(name, sql)``; never edit one that has shipped.
"""
from __future__ import annotations

# migration 0093: one counting trigger per write that changes the web lists' columns (see the migration's comment)
_ALL = ("INSERT", "UPDATE", "DELETE")
_TRACE_CHANGE_TRIGGERS = "\n".join(
    f"""        CREATE TRIGGER IF NOT EXISTS trace_changes_{table}_{op[0].lower()} AFTER {op}{cols} ON {table} BEGIN
            UPDATE change_counts SET n = n + 1 WHERE name = 'trace';
        END;"""
    for table, ops, cols in (("copies", _ALL, ""), ("stories", _ALL, ""), ("site_groups", _ALL, ""),
                             ("articles", ("UPDATE",), " OF site, language, published"), ("articles", ("DELETE",), ""))
    for op in ops)

MIGRATIONS: list[tuple[str, str]] = [
    (
        "0001_core",
        """
        CREATE TABLE pages (
            page_id      TEXT PRIMARY KEY,   -- sha1(url, raw bytes, text)
            url          TEXT,
            source       TEXT NOT NULL,
            fetched_at   TEXT,
            content_type TEXT,
            size         INTEGER,
            status       TEXT NOT NULL,      -- article | problem
            ingested_at  TEXT NOT NULL
        );
        CREATE INDEX pages_url ON pages(url);

        CREATE TABLE articles (
            page_id         TEXT PRIMARY KEY REFERENCES pages(page_id),
            url             TEXT NOT NULL,
            canonical_url   TEXT,
            site            TEXT NOT NULL,
            publisher       TEXT,
            title           TEXT,
            byline          TEXT,
            published       TEXT,
            modified        TEXT,
            fetched_at      TEXT,
            language        TEXT,
            description     TEXT,
            region          TEXT,
            theme           TEXT,
            sections        TEXT NOT NULL DEFAULT '[]',  -- JSON list
            tags            TEXT NOT NULL DEFAULT '[]',  -- JSON list
            blocks          TEXT NOT NULL DEFAULT '[]',  -- JSON list: paragraphs before furniture removal
            body            TEXT NOT NULL DEFAULT '',
            raw_body        TEXT NOT NULL DEFAULT '',    -- the unstripped text
            body_hash       TEXT,
            original_source TEXT,
            alternates      TEXT NOT NULL DEFAULT '[]',
            extra           TEXT NOT NULL DEFAULT '{}',
            source          TEXT
        );
        CREATE INDEX articles_url ON articles(url);
        CREATE INDEX articles_site ON articles(site);
        CREATE INDEX articles_published ON articles(published);

        CREATE TABLE sites (
            site        TEXT PRIMARY KEY,
            name        TEXT,
            pages       INTEGER NOT NULL DEFAULT 0,
            furniture_pages INTEGER NOT NULL DEFAULT 0,  -- page count when furniture was last learned
            updated_at  TEXT
        );

        CREATE TABLE furniture (
            site        TEXT NOT NULL,
            block_hash  TEXT NOT NULL,
            text        TEXT NOT NULL,
            kind        TEXT NOT NULL,      -- repeated | pattern
            pages       INTEGER NOT NULL,   -- pages of the site carrying it
            PRIMARY KEY (site, block_hash)
        );

        CREATE TABLE credits (
            page_id TEXT NOT NULL REFERENCES pages(page_id),
            idx     INTEGER NOT NULL,
            name    TEXT,
            url     TEXT,
            form    TEXT NOT NULL,   -- original-source, originally-published, first-appeared, republished, source, via, h/t, copyright, meta, canonical
            text    TEXT,
            PRIMARY KEY (page_id, idx)
        );

        CREATE TABLE identifiers (
            page_id TEXT NOT NULL REFERENCES pages(page_id),
            kind    TEXT NOT NULL,
            value   TEXT NOT NULL,
            "where" TEXT NOT NULL,   -- markup | text | script | link
            PRIMARY KEY (page_id, kind, value)
        );
        CREATE INDEX identifiers_value ON identifiers(kind, value);

        CREATE TABLE media (
            page_id TEXT NOT NULL REFERENCES pages(page_id),
            type    TEXT NOT NULL,
            url     TEXT NOT NULL,
            PRIMARY KEY (page_id, url)
        );

        CREATE TABLE links (
            page_id TEXT NOT NULL REFERENCES pages(page_id),
            href    TEXT NOT NULL,
            text    TEXT NOT NULL DEFAULT '',
            in_body INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (page_id, href, text)
        );
        CREATE INDEX links_href ON links(href);

        CREATE TABLE problems (
            problem_id TEXT PRIMARY KEY,  -- sha1(source, stage, reason)
            source     TEXT NOT NULL,
            stage      TEXT NOT NULL,
            reason     TEXT NOT NULL,
            detail     TEXT,
            url        TEXT,
            page_id    TEXT,
            seen_at    TEXT NOT NULL
        );

        """,
    ),
    (
        "0002_fts",
        """
        CREATE VIRTUAL TABLE articles_fts USING fts5(
            title, body, content='articles', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2'
        );
        CREATE TRIGGER articles_ai AFTER INSERT ON articles BEGIN
            INSERT INTO articles_fts(rowid, title, body) VALUES (new.rowid, new.title, new.body);
        END;
        CREATE TRIGGER articles_ad AFTER DELETE ON articles BEGIN
            INSERT INTO articles_fts(articles_fts, rowid, title, body) VALUES ('delete', old.rowid, old.title, old.body);
        END;
        CREATE TRIGGER articles_au AFTER UPDATE OF title, body ON articles BEGIN
            INSERT INTO articles_fts(articles_fts, rowid, title, body) VALUES ('delete', old.rowid, old.title, old.body);
            INSERT INTO articles_fts(rowid, title, body) VALUES (new.rowid, new.title, new.body);
        END;
        """,
    ),
    (
        "0003_trace",
        """
        -- written by trace/, read by web/ and export: one row per (copy, source) link
        CREATE TABLE copies (
            copy_id        TEXT NOT NULL,      -- page_id of the copy
            source_id      TEXT NOT NULL,      -- page_id of its immediate source
            origin_id      TEXT,               -- page_id of the story's origin (differs from source for chains)
            kind           TEXT NOT NULL,      -- full | partial | edited | compilation | chain | duplicate | translation
            language_pair  TEXT,               -- "en-en", "de-en" (copy-source)
            spans          TEXT NOT NULL DEFAULT '[]',  -- JSON [[copy_start, copy_end, source_start, source_end], ...] into bodies
            shared_words   INTEGER NOT NULL DEFAULT 0,
            coverage_copy  REAL,               -- share of the copy body covered by aligned spans
            coverage_source REAL,              -- share of the source body covered
            credited       TEXT,               -- name | link | name+link | none | wrong
            credited_to    TEXT,               -- JSON {name, url, form} of the credit found, or null
            confidence     REAL,
            evidence       TEXT NOT NULL DEFAULT '[]',  -- JSON list of {kind, detail} for the direction decision
            changes        TEXT NOT NULL DEFAULT '{}',  -- JSON {headline, added, removed, substitutions}
            story_id       TEXT,
            updated_at     TEXT,
            PRIMARY KEY (copy_id, source_id)
        );
        CREATE INDEX copies_source ON copies(source_id);
        CREATE INDEX copies_story ON copies(story_id);

        CREATE TABLE stories (
            story_id    TEXT PRIMARY KEY,
            origin_id   TEXT NOT NULL,
            title       TEXT,
            size        INTEGER NOT NULL,     -- member pages, origin included
            sites       INTEGER NOT NULL,
            languages   TEXT NOT NULL DEFAULT '[]',
            first_seen  TEXT,
            last_seen   TEXT,
            credit_rate REAL                  -- share of copies that credit their source correctly
        );

        CREATE TABLE story_members (
            story_id  TEXT NOT NULL,
            page_id   TEXT NOT NULL,
            role      TEXT NOT NULL,          -- origin | copy
            kind      TEXT,                   -- copy kind for copies
            parent_id TEXT,                   -- immediate source for copies
            published TEXT,                   -- the date used on the timeline
            lag_hours REAL,                   -- after the origin
            PRIMARY KEY (story_id, page_id)
        );
        CREATE INDEX story_members_page ON story_members(page_id);

        CREATE TABLE site_edges (
            site_a   TEXT NOT NULL,           -- for kind=copy: the copying site
            site_b   TEXT NOT NULL,           -- for kind=copy: the site copied from
            kind     TEXT NOT NULL,           -- copy | identifier
            weight   REAL NOT NULL,           -- copies, or shared identifiers
            strong   INTEGER NOT NULL DEFAULT 1,
            detail   TEXT NOT NULL DEFAULT '{}',  -- JSON: copy count, credit rate, example pairs / shared identifier values
            PRIMARY KEY (site_a, site_b, kind)
        );

        CREATE TABLE site_groups (
            site      TEXT PRIMARY KEY,
            group_id  TEXT NOT NULL,          -- operator group (sites joined by strong shared identifiers)
            evidence  TEXT NOT NULL DEFAULT '[]'
        );
        """,
    ),
    (
        "0005_xling_vectors",
        """
        -- written by trace/translate.py: paragraph vectors of multilingual encoders, one blob per article
        CREATE TABLE xling_docs (
            page_id    TEXT PRIMARY KEY,
            lang       TEXT,                -- normalised language code used to pick encoders
            body_hash  TEXT NOT NULL,       -- re-encode when the body changes
            spans      TEXT NOT NULL DEFAULT '[]',  -- JSON [[start, end], ...] of the encoded paragraphs in body
            updated_at TEXT
        );
        CREATE TABLE xling_vectors (
            page_id TEXT NOT NULL,
            encoder TEXT NOT NULL,          -- use | e5
            dim     INTEGER NOT NULL,
            vecs    BLOB NOT NULL,          -- float16 row-major (paragraphs x dim), L2-normalised
            PRIMARY KEY (page_id, encoder)
        );
        CREATE INDEX xling_vectors_encoder ON xling_vectors(encoder);
        """,
    ),
    (
        "0004_trace_index",
        """
        -- trace/: the candidate index (MinHash-LSH) and the pairs already aligned, so ingest links incrementally
        CREATE TABLE trace_docs (
            rid        INTEGER PRIMARY KEY,   -- articles.rowid
            page_id    TEXT NOT NULL UNIQUE,
            site       TEXT,
            body_hash  TEXT,                  -- articles.body_hash when indexed (a changed body is re-indexed)
            words      INTEGER NOT NULL,
            minhash    BLOB,                  -- 64 x uint32 document MinHash over word 5-gram shingles
            paragraphs INTEGER NOT NULL DEFAULT 0,  -- passage chunks with their own band keys
            indexed_at TEXT
        );
        CREATE TABLE trace_bands (
            key  INTEGER NOT NULL,            -- 63-bit LSH band key (document bands and passage-chunk bands)
            rid  INTEGER NOT NULL,
            PRIMARY KEY (key, rid)
        ) WITHOUT ROWID;
        CREATE INDEX trace_bands_rid ON trace_bands(rid);
        CREATE TABLE trace_pairs (
            a        INTEGER NOT NULL,        -- rid, a < b
            b        INTEGER NOT NULL,
            a_hash   TEXT,                    -- body hashes the alignment was made on
            b_hash   TEXT,
            linked   INTEGER NOT NULL,        -- 1 when the alignment makes them copies
            method   TEXT NOT NULL DEFAULT 'align',  -- align | translation
            result   TEXT,                    -- JSON alignment (spans a->b, coverage, ...) when linked
            PRIMARY KEY (a, b)
        ) WITHOUT ROWID;
        CREATE INDEX trace_pairs_b ON trace_pairs(b);
        """,
    ),
    (
        "0006_web_indexes",
        """
        -- web/: indexes behind the pages of `newstrace serve` (home lists, site pages, network, search filters)
        CREATE INDEX IF NOT EXISTS stories_size ON stories(size);
        CREATE INDEX IF NOT EXISTS stories_first_seen ON stories(first_seen);
        CREATE INDEX IF NOT EXISTS stories_origin ON stories(origin_id);
        CREATE INDEX IF NOT EXISTS copies_credited ON copies(credited, kind);
        CREATE INDEX IF NOT EXISTS site_edges_b ON site_edges(site_b);
        CREATE INDEX IF NOT EXISTS site_groups_group ON site_groups(group_id);
        CREATE INDEX IF NOT EXISTS articles_site_published ON articles(site, published);
        CREATE INDEX IF NOT EXISTS problems_reason ON problems(reason, seen_at);
        CREATE INDEX IF NOT EXISTS problems_seen ON problems(seen_at);
        """,
    ),
    (
        "0007_web_covering_indexes",
        """
        -- web/: covering indexes so a site page of a 13k-article site reads indexes only (site stats, languages,
        -- identifiers, copies made and taken), and articles_site_cover supersedes articles_site_published
        CREATE INDEX IF NOT EXISTS articles_site_cover ON articles(site, published, page_id, language);
        DROP INDEX IF EXISTS articles_site_published;
        CREATE INDEX IF NOT EXISTS copies_copy_kind ON copies(copy_id, kind, credited);
        CREATE INDEX IF NOT EXISTS copies_source_credited ON copies(source_id, credited);
        """,
    ),
    (
        "0008_trace_doc_keys",
        """
        -- trace/: each indexed article keeps its band keys (int64 bytes) to drop them by primary key when its
        -- body changes, instead of an index of trace_bands by rid (it made writing the band table twice as slow)
        ALTER TABLE trace_docs ADD COLUMN keys BLOB;
        DROP INDEX IF EXISTS trace_bands_rid;
        """,
    ),
    (
        "0009_xling_units",
        """
        -- trace/translate.py: which unit scheme (paragraphs, sentences-1, ...) an article's vectors were made
        -- with; rows of an older scheme (NULL) are re-encoded by the next call, incremental or not
        ALTER TABLE xling_docs ADD COLUMN units TEXT;
        """,
    ),
    (
        "0010_trace_dirty",
        """
        -- trace/: articles whose components still have to be decided (rid -1: all of them).  Written before a
        -- run changes pairs, emptied in the transaction after its decisions are written, so a run killed in
        -- between is finished by the next one, incremental or not
        CREATE TABLE IF NOT EXISTS trace_dirty (rid INTEGER PRIMARY KEY);
        """,
    ),
    (
        "0011_trace_unfinished",
        """
        -- trace/index.py: trace_docs rows of a run building its band index in memory, until write_bands has
        -- stored their keys (a side table emptied in that transaction, instead of an UPDATE rewriting every
        -- trace_docs row with its blobs); a run killed before drops these rows and indexes the articles again
        CREATE TABLE IF NOT EXISTS trace_unfinished (rid INTEGER PRIMARY KEY);
        """,
    ),
    (
        "0012_page_identity",
        """
        -- store/db.py: a page is its URL (canonical when the page states one on its own site, else the
        -- container's or the mirrored path's URL) plus its content, never the path it was read from.
        -- url_key (records.identity_key) and content_sha are NULL on rows of older versions until a re-read
        -- adopts them (same URL and same extracted text); page_sources lists every place a page was read from, and read_key (read URL +
        -- content) lets a re-run skip it before extraction
        ALTER TABLE pages ADD COLUMN url_key TEXT;
        ALTER TABLE pages ADD COLUMN content_sha TEXT;
        CREATE INDEX pages_url_key ON pages(url_key);
        CREATE TABLE page_sources (
            page_id  TEXT NOT NULL,
            source   TEXT NOT NULL,     -- file path, archive.warc.gz#offset, export.jsonl:line
            read_key TEXT,              -- sha1(read URL, content sha); NULL for sources merged from older stores
            seen_at  TEXT NOT NULL,
            PRIMARY KEY (page_id, source)
        );
        CREATE INDEX page_sources_read_key ON page_sources(read_key);
        INSERT OR IGNORE INTO page_sources SELECT page_id, source, NULL, ingested_at FROM pages;
        """,
    ),
    (
        "0013_merge_duplicate_pages",
        """
        -- store/: older versions keyed pages by the path as typed, so one page read from two path spellings, a
        -- copied folder or a WARC was stored twice (and traced as a 'duplicate' copy). Articles with the same
        -- URL (a trailing slash or .html aside: mirrors add one) and the same extracted content (title, byline,
        -- dates, unstripped text) are one page: the first
        -- stored is kept, the others' sources are listed on it, and their rows go. Problem pages with the same
        -- URL, size and type likewise. Copies, stories and the trace index are derived: when anything was
        -- merged they are cleared, and the next ingest or `newstrace trace` rebuilds them from what is stored.
        CREATE TEMP TABLE merged_pages AS
            SELECT page_id, keep FROM (
                SELECT page_id, first_value(page_id) OVER (
                    PARTITION BY CASE WHEN url LIKE '%.html' THEN substr(url, 1, length(url) - 5)
                                      WHEN url LIKE '%/' THEN substr(url, 1, length(url) - 1) ELSE url END,
                                 canonical_url, title, byline, published, modified, raw_body ORDER BY rowid) AS keep
                FROM articles)
            WHERE page_id != keep;
        INSERT INTO merged_pages
            SELECT page_id, keep FROM (
                SELECT page_id, first_value(page_id) OVER (
                    PARTITION BY CASE WHEN url LIKE '%.html' THEN substr(url, 1, length(url) - 5)
                                      WHEN url LIKE '%/' THEN substr(url, 1, length(url) - 1) ELSE url END,
                                 size ORDER BY rowid) AS keep
                FROM pages WHERE status = 'problem' AND url IS NOT NULL)
            WHERE page_id != keep;
        INSERT OR IGNORE INTO page_sources
            SELECT m.keep, s.source, s.read_key, s.seen_at FROM merged_pages m JOIN page_sources s USING(page_id);
        DELETE FROM page_sources WHERE page_id IN (SELECT page_id FROM merged_pages);
        UPDATE problems SET page_id = (SELECT keep FROM merged_pages m WHERE m.page_id = problems.page_id)
            WHERE page_id IN (SELECT page_id FROM merged_pages);
        DELETE FROM credits WHERE page_id IN (SELECT page_id FROM merged_pages);
        DELETE FROM identifiers WHERE page_id IN (SELECT page_id FROM merged_pages);
        DELETE FROM media WHERE page_id IN (SELECT page_id FROM merged_pages);
        DELETE FROM links WHERE page_id IN (SELECT page_id FROM merged_pages);
        DELETE FROM xling_vectors WHERE page_id IN (SELECT page_id FROM merged_pages);
        DELETE FROM xling_docs WHERE page_id IN (SELECT page_id FROM merged_pages);
        DELETE FROM articles WHERE page_id IN (SELECT page_id FROM merged_pages);
        DELETE FROM pages WHERE page_id IN (SELECT page_id FROM merged_pages);
        UPDATE sites SET pages = (SELECT count(*) FROM articles a WHERE a.site = sites.site)
            WHERE EXISTS (SELECT 1 FROM merged_pages);
        DELETE FROM trace_bands WHERE EXISTS (SELECT 1 FROM merged_pages);
        DELETE FROM trace_docs WHERE EXISTS (SELECT 1 FROM merged_pages);
        DELETE FROM trace_pairs WHERE EXISTS (SELECT 1 FROM merged_pages);
        DELETE FROM trace_unfinished WHERE EXISTS (SELECT 1 FROM merged_pages);
        DELETE FROM trace_dirty WHERE EXISTS (SELECT 1 FROM merged_pages);
        DELETE FROM copies WHERE EXISTS (SELECT 1 FROM merged_pages);
        DELETE FROM story_members WHERE EXISTS (SELECT 1 FROM merged_pages);
        DELETE FROM stories WHERE EXISTS (SELECT 1 FROM merged_pages);
        DELETE FROM site_edges WHERE EXISTS (SELECT 1 FROM merged_pages);
        DELETE FROM site_groups WHERE EXISTS (SELECT 1 FROM merged_pages);
        DROP TABLE merged_pages;
        """,
    ),
    (
        "0015_article_key",
        """
        -- store/articles.py: the article key every stage names an article by (the trace's rid, translation,
        -- claims): given once when the article is stored, max + 1, never changed. (rowid was the key before:
        -- VACUUM may renumber the rowids of a table without an INTEGER PRIMARY KEY, and PostgreSQL has none.)
        ALTER TABLE articles ADD COLUMN aid INTEGER;
        UPDATE articles SET aid = rowid;
        CREATE UNIQUE INDEX articles_aid ON articles(aid);
        """,
    ),
    (
        "0016_article_key_default",
        """
        -- store/articles.py: an article written without its key (a tool or benchmark inserting rows itself)
        -- gets max + 1 too; Store's own writes give it in the INSERT, so this never fires for them
        CREATE TRIGGER articles_aid_default AFTER INSERT ON articles WHEN new.aid IS NULL BEGIN
            UPDATE articles SET aid = (SELECT coalesce(max(aid), 0) + 1 FROM articles) WHERE rowid = new.rowid;
        END;
        """,
    ),
    (
        "0017_body_versions",
        """
        -- extract/relearn.py: a body that furniture relearning replaces is kept while a stored span names it;
        -- copies name the body versions their spans index into (earlier copies: the bodies stored now)
        CREATE TABLE body_versions (
            page_id     TEXT NOT NULL,
            body_hash   TEXT NOT NULL,
            body        TEXT NOT NULL,
            replaced_at TEXT,
            PRIMARY KEY (page_id, body_hash)
        );
        ALTER TABLE copies ADD COLUMN copy_hash TEXT;
        ALTER TABLE copies ADD COLUMN source_hash TEXT;
        UPDATE copies SET copy_hash = (SELECT body_hash FROM articles WHERE page_id = copies.copy_id),
                          source_hash = (SELECT body_hash FROM articles WHERE page_id = copies.source_id);
        """,
    ),
    (
        "0020_claims",
        """
        -- analyze/: claims (attributions and the outlet's own assertions) per article, spans into the stored
        -- body (or the title, part='title'); written by store/claims.py only
        CREATE TABLE IF NOT EXISTS claims (
            page_id       TEXT NOT NULL,
            idx           INTEGER NOT NULL,
            kind          TEXT NOT NULL,          -- direct | indirect | according-to | nominal | assertion
            part          TEXT NOT NULL DEFAULT 'body',  -- body | title: what the spans point into
            source_start  INTEGER, source_end INTEGER,
            cue_start     INTEGER, cue_end INTEGER,
            content_start INTEGER, content_end INTEGER,
            source_name   TEXT,                   -- resolved named source
            source_type   TEXT,                   -- person | organisation | news outlet | government body | anonymous
            chain         TEXT NOT NULL DEFAULT '[]',  -- JSON list, outer -> inner authority, the outlet first
            nested_in     INTEGER,                -- idx of the enclosing claim
            modality      TEXT, prediction TEXT, horizon TEXT,
            question      INTEGER NOT NULL DEFAULT 0,
            conditional   INTEGER NOT NULL DEFAULT 0,
            origin        TEXT NOT NULL DEFAULT 'analysed',  -- analysed | carried | translated
            claim_key     TEXT NOT NULL,          -- the same claim on every page carrying it: page_id:idx where first analysed
            carried_from  TEXT,                   -- page_id of the page it was carried (or translated) from
            PRIMARY KEY (page_id, idx)
        );
        CREATE INDEX IF NOT EXISTS claims_key ON claims(claim_key);
        """,
    ),
    (
        "0021_analysis_state",
        """
        -- analyze/stage.py: which body (hash) each component last analysed, and how (analysed | carried |
        -- skipped), so a re-run touches only articles whose body changed or whose component version moved
        CREATE TABLE IF NOT EXISTS analysis_state (
            page_id     TEXT NOT NULL,
            component   TEXT NOT NULL,
            body_hash   TEXT,
            version     TEXT NOT NULL,
            mode        TEXT NOT NULL,
            detail      TEXT NOT NULL DEFAULT '{}',   -- JSON: carried_from, paragraphs analysed / carried, reason
            analysed_at TEXT NOT NULL,
            PRIMARY KEY (page_id, component)
        );
        """,
    ),
    (
        "0023_actors",
        """
        -- store/actors.py (written by the analyze stage's actors step, read by web/, export and the GEXF):
        -- actors across documents, their mentions, roles and stated aliases per article (aid), each with its
        -- character span into the stored body; analyze_actors_done records which body hash was analysed.
        CREATE TABLE actors (
            actor_id TEXT PRIMARY KEY,
            name     TEXT NOT NULL,
            kind     TEXT NOT NULL,
            aliases  TEXT NOT NULL DEFAULT '[]'   -- JSON list of names seen or stated for it
        );
        CREATE TABLE actor_mentions (
            aid      INTEGER NOT NULL,
            start    INTEGER NOT NULL,
            end_     INTEGER NOT NULL,
            text     TEXT NOT NULL,
            actor_id TEXT NOT NULL,
            kind     TEXT NOT NULL,
            metonymy TEXT,                         -- gov | literal | NULL
            PRIMARY KEY (aid, start, end_)
        );
        CREATE INDEX actor_mentions_actor ON actor_mentions(actor_id);
        CREATE TABLE actor_roles (
            aid INTEGER NOT NULL, actor_id TEXT NOT NULL, role TEXT NOT NULL, start INTEGER NOT NULL,
            end_ INTEGER NOT NULL, how TEXT NOT NULL, date TEXT
        );
        CREATE INDEX actor_roles_aid ON actor_roles(aid);
        CREATE INDEX actor_roles_actor ON actor_roles(actor_id);
        CREATE TABLE actor_aliases (
            aid INTEGER NOT NULL, actor_id TEXT NOT NULL, name TEXT NOT NULL, alias TEXT NOT NULL,
            kind TEXT NOT NULL, start INTEGER NOT NULL, end_ INTEGER NOT NULL, evidence TEXT NOT NULL, date TEXT
        );
        CREATE INDEX actor_aliases_aid ON actor_aliases(aid);
        CREATE INDEX actor_aliases_actor ON actor_aliases(actor_id);
        CREATE TABLE analyze_actors_done (
            aid       INTEGER PRIMARY KEY,
            body_hash TEXT,
            analysed_at TEXT NOT NULL
        );
        """,
    ),
    (
        "0024_relations",
        """
        -- store/actors.py: typed relations between actors asserted in an article, with the evidence span
        -- (the sentence) and the attribution chain (JSON list, "outlet" first).
        CREATE TABLE relations (
            aid INTEGER NOT NULL, subject TEXT NOT NULL, type TEXT NOT NULL, object TEXT NOT NULL,
            negated INTEGER NOT NULL, modality TEXT NOT NULL, start INTEGER NOT NULL, end_ INTEGER NOT NULL,
            evidence TEXT NOT NULL, chain TEXT NOT NULL DEFAULT '["outlet"]'
        );
        CREATE INDEX relations_aid ON relations(aid);
        CREATE INDEX relations_subject ON relations(subject);
        CREATE INDEX relations_object ON relations(object);
        """,
    ),
    (
        "0025_flags",
        """
        -- store/actors.py: loaded language and other PTC techniques per article, with who speaks them
        -- (outlet, or quoted with the quote's span and its named source).
        CREATE TABLE flags (
            aid INTEGER NOT NULL, technique TEXT NOT NULL, start INTEGER NOT NULL, end_ INTEGER NOT NULL,
            text TEXT NOT NULL, speaker TEXT NOT NULL, source TEXT, quote_start INTEGER, quote_end INTEGER
        );
        CREATE INDEX flags_aid ON flags(aid);
        """,
    ),
    (
        "0028_crawl_frontier",
        """
        -- store/crawl.py (collect/): every URL the collector meant to fetch, with what became of it; a killed
        -- collect reloads its queued rows, a daily one skips URLs already fetched
        CREATE TABLE IF NOT EXISTS crawl_urls (
            url           TEXT PRIMARY KEY,
            seed          TEXT NOT NULL,      -- the site, URL or list that led here
            host          TEXT NOT NULL,      -- host:port, the politeness key
            state         TEXT NOT NULL,      -- queued | retry | fetched | redirected | failed | refused | disallowed
            via           TEXT,               -- feed, sitemap or list that listed it, or the URL that redirected here
            hops          TEXT NOT NULL DEFAULT '[]',  -- JSON [[url, status], ...]: the redirects that led here
            listed_date   TEXT,               -- lastmod / pubDate / publication_date as listed
            discovered_at TEXT NOT NULL,
            fetched_at    TEXT,
            status        INTEGER,
            content_hash  TEXT,               -- sha1 of the decoded payload
            etag          TEXT,
            last_modified TEXT,
            warc_file     TEXT,
            warc_offset   INTEGER,
            attempts      INTEGER NOT NULL DEFAULT 0,
            reason        TEXT,               -- the problem reason of a failed, refused or disallowed URL
            redirect_to   TEXT                -- where a redirected URL pointed
        );
        CREATE INDEX IF NOT EXISTS crawl_urls_seed_state ON crawl_urls(seed, state);
        -- feeds, sitemaps and home pages: last visit and validators for conditional re-visits
        CREATE TABLE IF NOT EXISTS crawl_feeds (
            url           TEXT PRIMARY KEY,
            seed          TEXT NOT NULL,
            kind          TEXT NOT NULL,      -- home | feed | sitemap
            last_visit    TEXT,
            status        INTEGER,
            etag          TEXT,
            last_modified TEXT,
            content_hash  TEXT,
            links         INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX IF NOT EXISTS crawl_feeds_seed ON crawl_feeds(seed);
        """,
    ),
    (
        "0029_crawl_warcs",
        """
        -- store/crawl.py: WARC files the collector wrote; bytes past `committed` belong to a record whose URL was
        -- not marked fetched (a killed run) and are cut off before the next run, so nothing is archived twice
        CREATE TABLE IF NOT EXISTS crawl_warcs (
            path       TEXT PRIMARY KEY,
            kind       TEXT NOT NULL,          -- pages | diagnostics
            committed  INTEGER NOT NULL,
            closed     INTEGER NOT NULL DEFAULT 0,
            ingested   INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL
        );
        """,
    ),
    (
        "0030_pg_compat",
        """
        -- store/backend.py: on PostgreSQL (schema.PG_VARIANTS), SQL functions with SQLite's names and meaning
        -- (json_valid, json_extract, julianday, group_concat, round(real, n), ifnull, instr) and a real rowid
        -- column where rows are read in insertion order (links, crawl_urls); nothing to do on SQLite
        """,
    ),
    (
        "0035_incremental_counts",
        """
        -- extract/relearn.py (store/furniture.py): per site, on how many pages each short block is, counted from the
        -- articles up to furniture_state.aid, so a relearn reads only the pages added since
        CREATE TABLE IF NOT EXISTS furniture_counts (
            site       TEXT NOT NULL,
            block_hash TEXT NOT NULL,
            pages      INTEGER NOT NULL,
            text       TEXT NOT NULL,
            PRIMARY KEY (site, block_hash)
        );
        CREATE INDEX IF NOT EXISTS furniture_counts_pages ON furniture_counts(site, pages);
        CREATE TABLE IF NOT EXISTS furniture_state (
            site  TEXT PRIMARY KEY,
            aid   INTEGER NOT NULL,   -- the site's articles up to this key are counted and stripped
            pages INTEGER NOT NULL    -- how many they are
        );
        CREATE INDEX IF NOT EXISTS articles_site_aid ON articles(site, aid);
        -- store/network.py: byline counts per site, folded in from the articles up to incremental_marks.aid
        CREATE TABLE IF NOT EXISTS byline_counts (
            byline TEXT NOT NULL,
            site   TEXT NOT NULL,
            pages  INTEGER NOT NULL,
            PRIMARY KEY (byline, site)
        );
        CREATE TABLE IF NOT EXISTS incremental_marks (
            name TEXT PRIMARY KEY,
            aid  INTEGER NOT NULL
        );
        """,
    ),
    (
        "0038_web_lookups",
        """
        -- store/web.py: the web UI finds pages by a credited name (search pivots)
        CREATE INDEX IF NOT EXISTS credits_name ON credits(name);
        """,
    ),
    (
        "0050_search_unaccent",
        """
        -- store/search.py: SQLite's FTS5 table (0002) already folds diacritics; PostgreSQL's variant below
        -- gives its search the same folding ("cafe" finds "café")
        """,
    ),
    (
        "0061_actor_alias_file",
        """
        -- analyze/stage_actors.py: the user alias file (`newstrace actors --aliases FILE`) kept with the store,
        -- so every later analysis (ingest, analyze, actors without --aliases) uses the same one
        CREATE TABLE IF NOT EXISTS actor_alias_file (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            name TEXT NOT NULL,
            format TEXT NOT NULL,
            sha1 TEXT NOT NULL,
            content TEXT NOT NULL,
            stored_at TEXT NOT NULL
        );
        """,
    ),
    (
        "0056_shared_items",
        """
        -- store/shared.py (trace/shared.py): pairs of articles whose only common text is a shared item (an
        -- embedded post, a quoted statement, a wire caption), one row per item; kept apart from copies
        CREATE TABLE IF NOT EXISTS shared_items (
            a            INTEGER NOT NULL,   -- article keys, a < b
            b            INTEGER NOT NULL,
            a_hash       TEXT,               -- the body versions aligned
            b_hash       TEXT,
            item_key     TEXT NOT NULL,      -- kind:status URL, post:@handle date, or kind:hash of its words
            kind         TEXT NOT NULL,      -- post | quote | caption
            url          TEXT,
            author       TEXT,
            speaker      TEXT,
            text         TEXT,
            spans        TEXT NOT NULL,      -- JSON [[a_start, a_end, b_start, b_end]] character offsets
            shared_words INTEGER NOT NULL,
            PRIMARY KEY (a, b, item_key)
        );
        CREATE INDEX IF NOT EXISTS shared_items_b ON shared_items(b);
        """,
    ),
    (
        "0070_network_incremental",
        """
        -- store/network.py (trace/network.py): what the site network phase last read, so that a later run updates
        -- only the edges a batch can change (incremental_marks 'network': articles counted up to that key; no
        -- mark: the next run rebuilds the whole network and fills these tables)
        CREATE TABLE IF NOT EXISTS network_sites (
            site  TEXT PRIMARY KEY,
            pages INTEGER NOT NULL            -- articles of the site
        );
        CREATE TABLE IF NOT EXISTS network_idents (
            kind   TEXT NOT NULL,
            value  TEXT NOT NULL,
            site   TEXT NOT NULL,
            pages  INTEGER NOT NULL,          -- the site's articles carrying the identifier
            copied INTEGER,                   -- 1: every one copies a page of another carrier site (NULL: not known)
            owned  INTEGER NOT NULL,          -- 0: only seen on copies (a foreign identifier), not an edge
            PRIMARY KEY (kind, value, site)
        );
        CREATE INDEX IF NOT EXISTS network_idents_site ON network_idents(site, pages);
        CREATE TABLE IF NOT EXISTS network_copies (
            copy_id     TEXT NOT NULL,        -- the copies rows a copy-flow edge counts (not duplicates, not
            source_id   TEXT NOT NULL,        -- within one site), with the sites of both ends
            copy_site   TEXT NOT NULL,
            source_site TEXT NOT NULL,
            kind        TEXT NOT NULL,
            credited    TEXT,
            PRIMARY KEY (copy_id, source_id)
        );
        CREATE INDEX IF NOT EXISTS network_copies_sites ON network_copies(copy_site, source_site, copy_id, source_id);
        CREATE TABLE IF NOT EXISTS network_shared (
            a        INTEGER NOT NULL,        -- shared_items rows between two sites, with the sites
            b        INTEGER NOT NULL,
            item_key TEXT NOT NULL,
            site_a   TEXT NOT NULL,
            site_b   TEXT NOT NULL,
            kind     TEXT NOT NULL,
            PRIMARY KEY (a, b, item_key)
        );
        CREATE INDEX IF NOT EXISTS network_shared_sites ON network_shared(site_a, site_b);
        -- changed since the network phase last ran: copies rows (written or deleted by the decide phase) and
        -- shared-item pairs (aligned again or dropped)
        CREATE TABLE IF NOT EXISTS network_dirty_copies (
            copy_id   TEXT NOT NULL,
            source_id TEXT NOT NULL,
            PRIMARY KEY (copy_id, source_id)
        );
        CREATE TABLE IF NOT EXISTS network_dirty_shared (
            a INTEGER NOT NULL,
            b INTEGER NOT NULL,
            PRIMARY KEY (a, b)
        );
        """,
    ),
    (
        "0071_search_tsvector",
        """
        -- store/search.py: on PostgreSQL (variant below) the searched tsvector is a stored column, computed when
        -- an article is written, so ranking and rechecking a match read it instead of parsing the body again;
        -- nothing to do on SQLite (FTS5 keeps its own index, migration 0002)
        """,
    ),
    (
        "0072_trace_pending_cover",
        """
        -- store/trace_index.py: the trace's start phase lists pending articles (not indexed, or whose body changed)
        -- by a join over every article; these covering indexes let it read two small indexes instead of the
        -- articles and trace_docs rows (7x less CPU at 40k articles)
        CREATE INDEX IF NOT EXISTS articles_pending ON articles(aid, body_hash, page_id, site);
        CREATE INDEX IF NOT EXISTS trace_docs_pending ON trace_docs(rid, body_hash);
        """,
    ),
    (
        "0073_web_walks",
        """
        -- web/ (issue 16): the pages of an identifier on most pages, oldest first, walk the articles in this order
        -- instead of sorting them all; an operator group's stories come from its sites' memberships without
        -- reading a story_members row; the stories list's credit and sites orders read an index
        CREATE INDEX IF NOT EXISTS articles_seen ON articles(COALESCE(published, fetched_at), page_id);
        CREATE INDEX IF NOT EXISTS story_members_cover ON story_members(page_id, story_id, role, kind, published);
        CREATE INDEX IF NOT EXISTS stories_credit ON stories(credit_rate, size DESC, story_id);
        CREATE INDEX IF NOT EXISTS stories_sites ON stories(sites DESC, story_id);
        """,
    ),
    (
        "0090_pg_index_nulls",
        """
        -- PostgreSQL only (schema.PG_VARIANTS): the indexes web walks read in order sort NULL as SQLite does and
        -- as store/backend.py's translated ORDER BY asks (NULLS FIRST ascending, NULLS LAST descending); with
        -- PostgreSQL's default order the walk could not use them and sorted every row (an identifier on every
        -- page: 0.2-0.3 s at 100k articles, 1-5 ms with this index). Nothing to do on SQLite
        """,
    ),
    (
        "0091_change_counter",
        """
        -- store_changes(id = 1, n): on PostgreSQL raised by every transaction of the store that wrote, before its
        -- COMMIT (store/backend.py); web readers cache pages until it changes (backend.change_token). SQLite
        -- readers look at the file and its WAL instead: the table is there (the same tables on both), unused
        CREATE TABLE IF NOT EXISTS store_changes (id INTEGER PRIMARY KEY, n INTEGER NOT NULL);
        INSERT OR IGNORE INTO store_changes (id, n) VALUES (1, 0);
        """,
    ),
    (
        "0093_web_trace_changes",
        """
        -- web/ (issue 16): a count of the writes that change what `newstrace serve` builds its copies and stories
        -- lists from (copies, stories, site_groups rows; an article's site, language or date; an article deleted),
        -- so that those in-memory columns outlive the commits of an ingest that only add articles
        -- (views.Reader.cached_trace). A row trigger costs ~20 us per row written (~2 s per 100k copies rows).
        -- SQLite only: PostgreSQL has the table (variant below) and no triggers; its readers follow store_changes (0091).
        CREATE TABLE IF NOT EXISTS change_counts (
            name TEXT PRIMARY KEY,
            n    INTEGER NOT NULL
        );
        INSERT INTO change_counts (name, n) VALUES ('trace', 0) ON CONFLICT (name) DO NOTHING;
        """ + _TRACE_CHANGE_TRIGGERS + """
        """,
    ),
    (
        "0110_trace_item_keys",
        """
        -- trace/: per indexed article, its band keys that lie in or next to a post, quote or caption (trace/shared.py
        -- items; int64 bytes, empty when none). The pre-check before alignment (trace/index.py may_link) aligns a
        -- pair sharing a single key when that key is one of them; an article without a row is always aligned
        CREATE TABLE IF NOT EXISTS trace_item_keys (
            rid  INTEGER PRIMARY KEY,
            keys BLOB NOT NULL
        );
        """,
    ),
    (
        "0160_trace_bands_new",
        """
        -- trace/: the band keys of articles indexed by increments since the last merge (store/trace_index.py).
        -- Written here, an increment's rows go into a small B-tree instead of the store-sized trace_bands (random
        -- keys: every leaf page of trace_bands was rewritten by each increment); every lookup reads both tables,
        -- and merge_bands moves the rows into trace_bands in key order once they are a set share of it
        CREATE TABLE IF NOT EXISTS trace_bands_new (
            key  INTEGER NOT NULL,
            rid  INTEGER NOT NULL,
            PRIMARY KEY (key, rid)
        ) WITHOUT ROWID;
        """,
    ),
    (
        "0161_trace_unfinished_only",
        """
        -- trace/: rows left by a run killed before migration 0011 (an empty indexed_at) listed once in
        -- trace_unfinished, so that dropping a killed run's rows reads that table only, not every trace_docs row
        INSERT INTO trace_unfinished (rid) SELECT rid FROM trace_docs WHERE indexed_at IS NULL
        ON CONFLICT (rid) DO NOTHING;
        """,
    ),
    (
        "0162_trace_changed",
        """
        -- trace/: the articles whose body changed (any UPDATE of body_hash: furniture relearning, a user's SQL),
        -- listed by a trigger; with incremental_marks 'trace_index' (every article up to that key was indexed with
        -- its body of then, or is listed here) the pending articles are found without reading every article
        CREATE TABLE IF NOT EXISTS trace_changed (aid INTEGER PRIMARY KEY);
        CREATE TRIGGER IF NOT EXISTS trace_changed_body AFTER UPDATE OF body_hash ON articles
        WHEN new.body_hash IS NOT old.body_hash BEGIN
            INSERT OR IGNORE INTO trace_changed (aid) VALUES (new.aid);
        END;
        """,
    ),
    (
        "0163_network_ident_failing",
        """
        -- store/network.py (trace/network.py): the pages of a network_idents row whose ``copied`` test fails (they
        -- copy no page of another carrier site), kept where the flag is kept: a superset of the failing pages,
        -- every page not listed passes.  When an identifier gets a new carrier site, only the listed pages are
        -- checked again (before: every page of the site carrying it).  The mark is dropped: the next network
        -- run rebuilds the state and fills the list
        CREATE TABLE IF NOT EXISTS network_ident_failing (
            kind    TEXT NOT NULL,
            value   TEXT NOT NULL,
            site    TEXT NOT NULL,
            page_id TEXT NOT NULL,
            PRIMARY KEY (kind, value, site, page_id)
        ) WITHOUT ROWID;
        DELETE FROM incremental_marks WHERE name = 'network';
        """,
    ),
]

# -- PostgreSQL -------------------------------------------------------------------------------------------------
# store/backend.py runs every migration above on PostgreSQL through its DDL translation (types, no REFERENCES,
# no WITHOUT ROWID).  A migration SQLite-only in its text has its PostgreSQL variant here, under the same name:
# a string (split and translated like the others) or a list of statements run as they are (function bodies).
# An empty variant: nothing to do on PostgreSQL (the migration repairs stores only older SQLite versions made).

FTS_TSVECTOR = "to_tsvector('newstrace', coalesce({p}title, '') || ' ' || coalesce({p}body, ''))"   # backend.FTS_CONFIG

PG_VARIANTS: dict[str, str | list[str]] = {
    "0162_trace_changed": [
        "CREATE TABLE IF NOT EXISTS trace_changed (aid BIGINT PRIMARY KEY)",
        """CREATE OR REPLACE FUNCTION trace_changed_body() RETURNS trigger LANGUAGE plpgsql AS $$
           BEGIN
             IF NEW.body_hash IS DISTINCT FROM OLD.body_hash THEN
               INSERT INTO trace_changed (aid) VALUES (NEW.aid) ON CONFLICT (aid) DO NOTHING;
             END IF;
             RETURN NEW;
           END $$""",
        "DROP TRIGGER IF EXISTS trace_changed_body ON articles",
        "CREATE TRIGGER trace_changed_body AFTER UPDATE OF body_hash ON articles "
        "FOR EACH ROW EXECUTE FUNCTION trace_changed_body()",
    ],
    # the table only (the same tables on both backends), no counting triggers: web readers on PostgreSQL key all
    # their caches on store_changes (0091, raised once per writing transaction by store/backend.py)
    "0093_web_trace_changes": [
        "CREATE TABLE IF NOT EXISTS change_counts (name TEXT PRIMARY KEY, n BIGINT NOT NULL)",
        "INSERT INTO change_counts (name, n) VALUES ('trace', 0) ON CONFLICT (name) DO NOTHING",
    ],
    # an index on an expression takes its own parentheses on PostgreSQL
    "0073_web_walks": [
        "CREATE INDEX IF NOT EXISTS articles_seen ON articles ((COALESCE(published, fetched_at)), page_id)",
        "CREATE INDEX IF NOT EXISTS story_members_cover ON story_members(page_id, story_id, role, kind, published)",
        "CREATE INDEX IF NOT EXISTS stories_credit ON stories(credit_rate, size DESC, story_id)",
        "CREATE INDEX IF NOT EXISTS stories_sites ON stories(sites DESC, story_id)",
    ],
    "0090_pg_index_nulls": [
        "DROP INDEX IF EXISTS articles_seen",
        "CREATE INDEX articles_seen ON articles ((COALESCE(published, fetched_at)) NULLS FIRST, page_id NULLS FIRST)",
        "DROP INDEX IF EXISTS stories_credit",
        "CREATE INDEX stories_credit ON stories(credit_rate NULLS FIRST, size DESC NULLS LAST, story_id NULLS FIRST)",
        "DROP INDEX IF EXISTS stories_sites",
        "CREATE INDEX stories_sites ON stories(sites DESC NULLS LAST, story_id NULLS FIRST)",
    ],
    # full-text search: a GIN index over the tsvector of title and body (backend.fts_document), no table to
    # keep in step: PostgreSQL maintains the index with the row
    "0002_fts": [
        "CREATE INDEX IF NOT EXISTS articles_fts ON articles USING GIN "
        "(to_tsvector('simple', coalesce(title, '') || ' ' || coalesce(body, '')))",
    ],
    # merges pages older SQLite versions stored twice (it reads rowid): no PostgreSQL store predates page identity
    "0013_merge_duplicate_pages": [],
    # the article key: on PostgreSQL given from the start (no rowid to copy)
    "0015_article_key": """
        ALTER TABLE articles ADD COLUMN aid INTEGER;
        CREATE UNIQUE INDEX articles_aid ON articles(aid);
    """,
    "0016_article_key_default": [
        """CREATE OR REPLACE FUNCTION articles_aid_default() RETURNS trigger LANGUAGE plpgsql AS $$
           BEGIN
             IF NEW.aid IS NULL THEN
               NEW.aid := (SELECT coalesce(max(aid), 0) + 1 FROM articles);
             END IF;
             RETURN NEW;
           END $$""",
        "DROP TRIGGER IF EXISTS articles_aid_default ON articles",
        "CREATE TRIGGER articles_aid_default BEFORE INSERT ON articles FOR EACH ROW "
        "EXECUTE FUNCTION articles_aid_default()",
    ],
    # search folds diacritics as FTS5's remove_diacritics does: a text search configuration "newstrace" (simple
    # + unaccent from contrib, a trusted extension; plain simple where the server lacks it) and the GIN index over it
    "0050_search_unaccent": [
        """DO $$ BEGIN
             BEGIN
               CREATE EXTENSION IF NOT EXISTS unaccent;
             EXCEPTION WHEN others THEN
               RAISE NOTICE 'no unaccent extension: search keeps diacritics';
             END;
             IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'newstrace') THEN
               CREATE TEXT SEARCH CONFIGURATION newstrace (COPY = simple);
               IF EXISTS (SELECT 1 FROM pg_ts_dict WHERE dictname = 'unaccent') THEN
                 ALTER TEXT SEARCH CONFIGURATION newstrace ALTER MAPPING FOR word, hword, hword_part, numword,
                   numhword, hword_numpart WITH unaccent, simple;
               END IF;
             END IF;
           END $$""",
        "DROP INDEX IF EXISTS articles_fts",
        "CREATE INDEX articles_fts ON articles USING GIN "
        "(to_tsvector('newstrace', coalesce(title, '') || ' ' || coalesce(body, '')))",
    ],
    # the searched tsvector stored beside the row (articles_search, kept by a trigger on every write of a title
    # or body), GIN-indexed: a search ranks and rechecks matches without parsing their bodies again; a table of
    # its own so that articles rows (SELECT *, exports) stay the same on both backends
    "0071_search_tsvector": [
        "CREATE TABLE IF NOT EXISTS articles_search (aid BIGINT PRIMARY KEY, fts tsvector NOT NULL)",
        f"""CREATE OR REPLACE FUNCTION articles_search_keep() RETURNS trigger LANGUAGE plpgsql AS $$
           BEGIN
             IF TG_OP = 'DELETE' THEN
               DELETE FROM articles_search WHERE aid = OLD.aid;
               RETURN OLD;
             END IF;
             INSERT INTO articles_search (aid, fts) VALUES (NEW.aid, {FTS_TSVECTOR.format(p="NEW.")})
             ON CONFLICT (aid) DO UPDATE SET fts = excluded.fts;
             RETURN NEW;
           END $$""",
        "DROP TRIGGER IF EXISTS articles_search_keep ON articles",
        "CREATE TRIGGER articles_search_keep AFTER INSERT OR DELETE OR UPDATE OF title, body ON articles "
        "FOR EACH ROW EXECUTE FUNCTION articles_search_keep()",
        f"INSERT INTO articles_search (aid, fts) SELECT aid, {FTS_TSVECTOR.format(p='')} FROM articles "
        "WHERE aid IS NOT NULL ON CONFLICT (aid) DO NOTHING",
        "DROP INDEX IF EXISTS articles_fts",
        "CREATE INDEX IF NOT EXISTS articles_search_fts ON articles_search USING GIN (fts)",
    ],
    "0030_pg_compat": [
        """CREATE OR REPLACE FUNCTION json_valid(t text) RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS $$
           BEGIN
             IF t IS NULL THEN RETURN NULL; END IF;
             PERFORM t::json;
             RETURN true;
           EXCEPTION WHEN others THEN
             RETURN false;
           END $$""",
        # '$.a.b' paths only (all newstrace uses); a string value without its quotes, an object as JSON text
        """CREATE OR REPLACE FUNCTION json_extract(t text, path text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
             SELECT t::json #>> string_to_array(substr(path, 3), '.') $$""",
        # days since noon UTC, 24 November 4714 BC; NULL for text that is no date (as SQLite)
        """CREATE OR REPLACE FUNCTION julianday(t text) RETURNS double precision LANGUAGE plpgsql STABLE AS $$
           BEGIN
             RETURN extract(epoch FROM (t::timestamptz)) / 86400.0 + 2440587.5;
           EXCEPTION WHEN others THEN
             RETURN NULL;
           END $$""",
        # date(t, '+1 day'): the day of t shifted by an interval, as 'YYYY-MM-DD' (NULL when t is no date)
        """CREATE OR REPLACE FUNCTION date(t text, modifier text) RETURNS text LANGUAGE plpgsql STABLE AS $$
           BEGIN
             RETURN to_char(t::timestamptz + modifier::interval, 'YYYY-MM-DD');
           EXCEPTION WHEN others THEN
             RETURN NULL;
           END $$""",
        """CREATE OR REPLACE FUNCTION _nt_concat(acc text, v text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
             SELECT CASE WHEN v IS NULL THEN acc WHEN acc IS NULL THEN v ELSE acc || ',' || v END $$""",
        """CREATE OR REPLACE FUNCTION _nt_concat(acc text, v text, sep text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
             SELECT CASE WHEN v IS NULL THEN acc WHEN acc IS NULL THEN v ELSE acc || sep || v END $$""",
        "CREATE OR REPLACE AGGREGATE group_concat(text) (SFUNC = _nt_concat, STYPE = text)",
        "CREATE OR REPLACE AGGREGATE group_concat(text, text) (SFUNC = _nt_concat, STYPE = text)",
        """CREATE OR REPLACE FUNCTION round(double precision, integer) RETURNS double precision LANGUAGE sql
           IMMUTABLE AS $$ SELECT round($1::numeric, $2)::double precision $$""",
        """CREATE OR REPLACE FUNCTION ifnull(anyelement, anyelement) RETURNS anyelement LANGUAGE sql IMMUTABLE
           AS $$ SELECT coalesce($1, $2) $$""",
        """CREATE OR REPLACE FUNCTION instr(text, text) RETURNS integer LANGUAGE sql IMMUTABLE
           AS $$ SELECT strpos($1, $2) $$""",
        "ALTER TABLE links ADD COLUMN IF NOT EXISTS rowid BIGINT GENERATED BY DEFAULT AS IDENTITY",
        "ALTER TABLE crawl_urls ADD COLUMN IF NOT EXISTS rowid BIGINT GENERATED BY DEFAULT AS IDENTITY",
    ],
}
