"""Files the running program reads (lesson presets, images); installed as playground.resources."""
