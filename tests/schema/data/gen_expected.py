#!/usr/bin/env python3
# gen_expected.py: writes the expected documents for tests/schema/test_document.c from plain
# Python dicts, hashing exactly as dlt's generate_version_hash does and dumping YAML with
# PyYAML the way dlt exports (allow_unicode, block style, keys in insertion order). Re-run it
# only when the expected shape deliberately changes.
import base64, copy, hashlib, json, os, yaml

def col(name, dt, nullable=True, **extra):
    c = {"name": name, "data_type": dt, "nullable": nullable}
    c.update(extra)
    return c

def table(name, cols, **props):
    t = {"name": name, "columns": {c["name"]: c for c in cols}}
    t.update(props)
    return t

tables = {
    "_dlt_version": table("_dlt_version", [
        col("version", "bigint", False), col("engine_version", "bigint", False),
        col("inserted_at", "timestamp", False), col("schema_name", "text", False),
        col("version_hash", "text", False), col("schema", "text", False)],
        write_disposition="skip", resource="_dlt_version",
        description="Created by DLT. Tracks schema updates"),
    "_dlt_loads": table("_dlt_loads", [
        col("load_id", "text", False, precision=64), col("schema_name", "text", True),
        col("status", "bigint", False), col("inserted_at", "timestamp", False),
        col("schema_version_hash", "text", True)],
        write_disposition="skip", resource="_dlt_loads",
        description="Created by DLT. Tracks completed loads"),
    "users": table("users", [
        col("id", "bigint", False, primary_key=True),
        col("name", "text", True, **{"x-annotation-pii": True}),
        col("ts_seen", "timestamp", True, description="Time: when # seen"),
        col("on", "bool", True),
        col("_dlt_load_id", "text", False),
        col("_dlt_id", "text", False, unique=True, row_key=True)],
        write_disposition="merge", resource="users", schema_contract="freeze",
        **{"x-merge-strategy": "delete-insert", "x-normalizer": {"seen-data": True}}),
    "users__tags": table("users__tags", [
        col("value", "text", True),
        col("_dlt_parent_id", "text", False, parent_key=True),
        col("_dlt_list_idx", "bigint", False),
        col("_dlt_id", "text", False, unique=True, row_key=True)],
        parent="users", **{"x-normalizer": {"seen-data": True}}),
}
doc = {
    "version": 1,
    "version_hash": None,
    "engine_version": 11,
    "name": "small",
    "tables": tables,
    "settings": {
        "detections": ["iso_timestamp"],
        "default_hints": {
            "not_null": ["_dlt_id", "_dlt_root_id", "_dlt_parent_id", "_dlt_list_idx", "_dlt_load_id"],
            "parent_key": ["_dlt_parent_id"],
            "root_key": ["_dlt_root_id"],
            "unique": ["_dlt_id"],
            "row_key": ["_dlt_id"],
        },
        "preferred_types": {"re:^ts_": "timestamp"},
        "schema_contract": {"columns": "discard_value"},
    },
    "normalizers": {
        "names": "snake_case",
        "json": {"module": "dlt.common.normalizers.json.relational"},
        "use_break_path_on_normalize": True,
    },
    "previous_hashes": [],
}

def version_hash(d):
    c = copy.copy(d)
    for k in ("version", "version_hash", "imported_version_hash", "previous_hashes"):
        c.pop(k, None)
    content = json.dumps(c, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    h = hashlib.sha3_256(content.encode("utf-8"))
    for tn in sorted(c["tables"]):
        h.update(tn.encode("utf-8"))
        for cn in c["tables"][tn]["columns"]:
            h.update(cn.encode("utf-8"))
    return base64.b64encode(h.digest()).decode("ascii")

doc["version_hash"] = version_hash(doc)
here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "small_schema.json"), "w") as f:
    json.dump(doc, f, indent=2, ensure_ascii=False)
    f.write("\n")
# export shape: name keys of tables and columns removed
exp = copy.deepcopy(doc)
for t in exp["tables"].values():
    del t["name"]
    for c in t["columns"].values():
        del c["name"]
with open(os.path.join(here, "small_schema.yaml"), "w") as f:
    f.write(yaml.dump(exp, allow_unicode=True, default_flow_style=False, sort_keys=False))
print(doc["version_hash"])
