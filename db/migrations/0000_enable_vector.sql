-- Archon stores embeddings with pgvector; every later migration assumes it.
CREATE EXTENSION IF NOT EXISTS vector;
