"""Assets je Anliegen: Eingang und Referenzdaten (ingest), SQL-Modelle (sql), Analysekopie (publish)."""
