import { describe, expect, it } from 'vitest';
import { detectLanguage, normalizeLanguage } from '../../server/services/ingest/detect-language';

const SAMPLES: [string, string][] = [
  [
    'python',
    'from pathlib import Path\n\ndef read_config(path: str) -> dict:\n    if not Path(path).exists():\n        return None\n    with open(path) as f:\n        return parse(f.read())',
  ],
  ['python', 'class Cache:\n    def __init__(self, size):\n        self.size = size\n        self.items = {}'],
  ['javascript', "const express = require('express');\nconst app = express();\napp.get('/', (req, res) => res.send('ok'));\nmodule.exports = app;"],
  [
    'javascript',
    'export default function debounce(fn, ms) {\n  let timer;\n  return (...args) => {\n    clearTimeout(timer);\n    timer = setTimeout(() => fn(...args), ms);\n  };\n}',
  ],
  [
    'typescript',
    "import { z } from 'zod';\n\nexport interface User {\n  id: string;\n  email: string;\n}\n\nexport const parseUser = (raw: unknown): User => schema.parse(raw);",
  ],
  ['typescript', 'type Handler = (req: Request) => Promise<Response>;\nconst handlers: Record<string, Handler> = {};'],
  ['bash', '#!/usr/bin/env bash\nset -euo pipefail\nfor f in *.md; do\n  echo "$f"\ndone'],
  ['bash', 'npm install --save-dev vitest\nnpx vitest run --coverage'],
  ['bash', '$ git clone https://github.com/example/repo.git\n$ cd repo && make build'],
  ['sql', "SELECT id, name\nFROM users\nWHERE created_at > now() - interval '1 day'\nORDER BY name;"],
  ['sql', 'CREATE TABLE widgets (\n  id serial PRIMARY KEY,\n  name text NOT NULL\n);'],
  ['json', '{\n  "name": "archon",\n  "version": "1.0.0",\n  "dependencies": { "zod": "^4.0.0" }\n}'],
  ['yaml', 'services:\n  db:\n    image: postgres:16\n    ports:\n      - "5432:5432"\n    environment:\n      POSTGRES_PASSWORD: secret'],
  ['go', 'package main\n\nimport "fmt"\n\nfunc main() {\n\tmsg := "hello"\n\tfmt.Println(msg)\n}'],
  [
    'go',
    'func load(path string) (*Config, error) {\n\tdata, err := os.ReadFile(path)\n\tif err != nil {\n\t\treturn nil, err\n\t}\n\treturn parse(data)\n}',
  ],
  [
    'rust',
    'use std::collections::HashMap;\n\nfn main() {\n    let mut counts = HashMap::new();\n    counts.insert("a", 1);\n    println!("{:?}", counts);\n}',
  ],
  ['java', 'public class Hello {\n    public static void main(String[] args) {\n        System.out.println("Hello");\n    }\n}'],
  ['c', '#include <stdio.h>\n\nint main(void) {\n    printf("hi\\n");\n    return 0;\n}'],
  ['cpp', '#include <iostream>\n#include <vector>\n\nint main() {\n    std::vector<int> v{1, 2, 3};\n    std::cout << v.size() << std::endl;\n}'],
  ['html', '<!DOCTYPE html>\n<html>\n  <head><title>Demo</title></head>\n  <body><div class="app"></div></body>\n</html>'],
  ['css', '.card {\n  display: flex;\n  padding: 16px;\n  color: #333;\n}\n\n@media (max-width: 600px) {\n  .card { padding: 8px; }\n}'],
  ['toml', '[package]\nname = "frob"\nversion = "0.1.0"\n\n[dependencies]\nserde = "1.0"'],
  ['dockerfile', 'FROM node:20-slim\nWORKDIR /app\nCOPY package*.json ./\nRUN npm ci\nCOPY . .\nCMD ["node", "server.js"]'],
];

describe('detectLanguage', () => {
  it.each(SAMPLES)('recognises %s', (language, code) => {
    expect(detectLanguage(code)).toBe(language);
  });

  it.each([
    ['plain prose', 'This is a sentence about widgets. It has no code in it at all.'],
    ['program output', 'Server started\nListening on port 3000\nReady in 120ms'],
    ['a lone word list', 'alpha\nbeta\ngamma'],
    ['empty', ''],
  ])('answers "" when unsure (%s)', (_, code) => {
    expect(detectLanguage(code)).toBe('');
  });

  it('does not call JavaScript TypeScript without type syntax', () => {
    expect(detectLanguage("const x = require('x');\nconsole.log(x === 1);")).toBe('javascript');
  });
});

describe('normalizeLanguage', () => {
  it.each([
    ['ts', 'typescript'],
    ['TSX', 'typescript'],
    ['py', 'python'],
    ['sh', 'bash'],
    ['shell', 'bash'],
    ['yml', 'yaml'],
    ['c++', 'cpp'],
    ['golang', 'go'],
    ['txt', 'text'],
    [' Rust ', 'rust'],
    ['elixir', 'elixir'],
  ])('%j → %j', (declared, language) => {
    expect(normalizeLanguage(declared)).toBe(language);
  });
});
