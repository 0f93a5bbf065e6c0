"""Prompt and report templates, shipped inside the wheel as img2code.templates."""
