"""Hardware configs: the YAML chip-description language, its validation and its presets."""
from .loader import (
    PRESET_DIR,
    ConfigIssue,
    HardwareConfigError,
    expand_dotted,
    load_hardware,
    preset_names,
    resolve_config_path,
    validate_data,
)
from .schema import HardwareConfig

__all__ = [
    "HardwareConfig", "HardwareConfigError", "ConfigIssue", "load_hardware", "preset_names",
    "resolve_config_path", "validate_data", "expand_dotted", "PRESET_DIR",
]
