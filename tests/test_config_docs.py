"""docs/hwconfig.md and the exported JSON Schema are generated from the schema and must not drift."""
import json

import jsonschema
import pytest

from neurosim.config import HardwareConfig, load_hardware, preset_names
from neurosim.config.docgen import json_schema, json_schema_text, markdown
from neurosim._util.yamlsource import load_yaml_with_lines


def all_keys(model, prefix=""):
    from typing import Annotated, Union, get_args, get_origin

    from pydantic import BaseModel

    for name, field in model.model_fields.items():
        yield prefix + name
        ann = field.annotation
        if get_origin(ann) is Annotated:
            ann = get_args(ann)[0]
        variants = get_args(ann) if get_origin(ann) is Union else (ann,)
        for v in variants:
            if isinstance(v, type) and issubclass(v, BaseModel):
                yield from all_keys(v, prefix + name + ".")


def test_hwconfig_doc_is_generated_from_schema(root):
    committed = (root / "docs" / "hwconfig.md").read_text(encoding="utf-8")
    assert committed == markdown(), "docs/hwconfig.md is stale: run python scripts/gen_hwconfig_docs.py"


def test_json_schema_file_is_current(root):
    committed = (root / "neurosim" / "schema" / "hwconfig.schema.json").read_text(encoding="utf-8")
    assert committed == json_schema_text(), "schema is stale: run python scripts/gen_hwconfig_docs.py"


def test_every_key_is_documented(root):
    doc = (root / "docs" / "hwconfig.md").read_text(encoding="utf-8")
    missing = [k for k in set(all_keys(HardwareConfig)) if f"`{k}`" not in doc]
    assert not missing, missing


@pytest.mark.parametrize("name", ["espine_pcm", "rram_inference", "ideal", "loihi_like"])
def test_shipped_configs_match_the_json_schema(name, hwconfig_dir):
    data, _ = load_yaml_with_lines(hwconfig_dir / f"{name}.yaml")
    jsonschema.validate(data, json_schema())


def test_json_schema_rejects_what_pydantic_rejects(hwconfig_dir):
    data, _ = load_yaml_with_lines(hwconfig_dir / "espine_pcm.yaml")
    data["noc"]["mesh_width"] = 0
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, json_schema())
    data["noc"]["mesh_width"] = 4
    data["noc"]["mesh_heigth"] = 4
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, json_schema())
