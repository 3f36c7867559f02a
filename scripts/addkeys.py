#!/usr/bin/env python3
"""Add or update UI strings in both catalogs at once.

usage: scripts/addkeys.py key 'Vietnamese text' 'English text' [key vi en ...]
Keeps the files' key order, 2-space indent and UTF-8 (no \\u escapes).
"""
import json, sys, collections, pathlib
root = pathlib.Path(__file__).resolve().parent.parent / "internal/locale/catalog"
args = sys.argv[1:]
if not args or len(args) % 3:
    sys.exit(__doc__)
for lang, idx in (("vi", 1), ("en", 2)):
    p = root / f"{lang}.json"
    data = json.loads(p.read_text(encoding="utf-8"), object_pairs_hook=collections.OrderedDict)
    for i in range(0, len(args), 3):
        data[args[i]] = args[i + idx]
    p.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
