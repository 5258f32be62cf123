"""OAI-PMH 2.0 (http://www.openarchives.org/OAI/openarchivesprotocol.html): the protocol's requests and errors
(`protocol`) and its XML answers with Dublin Core records (`response`). The web side is web/oai.py; what it
harvests is reads/harvest.py. See docs/oai-pmh.md."""
