import json
from pathlib import Path
from datetime import date
from factx.models import FACT_TYPES
from factx.normalizing import find_publication_date

root = Path(__file__).resolve().parent
CONTRACT = {
 "agreement": ["title","kind","status","parties","signatories","date","place","sectors","summary","evidence"],
 "mou": ["title","parties","signatories","date","place","sectors","aims","context","evidence"],
 "mission": ["title","leader","delegation","organizations","origin_country","destination","start_date","end_date","counterparts","counterpart_organizations","purpose","sectors","outcomes","funding","evidence"],
 "federation": ["name","acronym","founded_on","founded_in","affiliation","leaders","sector","goals","evidence"],
}
problems = []
texts = sorted((root/"texts").glob("*.txt")); golds = sorted((root/"gold").glob("*.json"))
assert [t.stem for t in texts] == [g.stem for g in golds], "text/gold mismatch"
def walk(a, b, path):
    # every value we wrote must survive validation unchanged
    if isinstance(a, dict):
        for k, v in a.items():
            if k in ("optional",): continue
            walk(v, b.get(k) if isinstance(b, dict) else None, f"{path}.{k}")
    elif isinstance(a, list):
        if not isinstance(b, list) or len(a) != len(b): problems.append(f"{path}: list changed {a} -> {b}"); return
        for i,(x,y) in enumerate(zip(a,b)): walk(x,y,f"{path}[{i}]")
    elif a != b:
        problems.append(f"{path}: {a!r} normalised to {b!r}")
for t, g in zip(texts, golds):
    text = t.read_text(encoding="utf-8")
    gold = json.loads(g.read_text(encoding="utf-8"))
    if list(gold) != ["source","publication_date","facts"]: problems.append(f"{g.name}: top keys {list(gold)}")
    if gold["source"] != f"benchmarks/devset/texts/{t.name}": problems.append(f"{g.name}: source {gold['source']}")
    found = find_publication_date(text)
    if (found.isoformat() if found else None) != gold["publication_date"]:
        print(f"note {g.name}: dateline parser says {found}, gold {gold['publication_date']}")
    pub = date.fromisoformat(gold["publication_date"]) if gold["publication_date"] else None
    for i, f in enumerate(gold["facts"]):
        where = f"{g.name}#{i}({f.get('type')})"
        if next(iter(f)) != "type": problems.append(f"{where}: type not first")
        keys = [k for k in f if k not in ("type","optional")]
        if keys != CONTRACT[f["type"]]: problems.append(f"{where}: keys {keys}")
        if not f["evidence"]: problems.append(f"{where}: no evidence")
        for e in f["evidence"]:
            if e["quote"] not in text: problems.append(f"{where}: quote not in text: {e['quote']!r}")
            elif text.count(e["quote"]) > 1: print(f"note {where}: quote occurs {text.count(e['quote'])} times")
        data = {k: v for k, v in f.items() if k != "optional"}
        try:
            m = FACT_TYPES[f["type"]].model_validate(data, context={"published": pub})
        except Exception as ex:
            problems.append(f"{where}: {ex}"); continue
        walk(data, m.model_dump(), where)
        for k in ("sectors",):
            for s in f.get(k, []):
                if s != s.lower(): problems.append(f"{where}: sector not lower-case {s!r}")
print(f"{len(texts)} texts, {len(golds)} gold files, {sum(len(json.loads(g.read_text())['facts']) for g in golds)} facts")
print("\n".join(problems) or "ALL CHECKS PASSED")
