"""Renderers: each turns prepared content into output bytes, as a pure function of its inputs.

``layout`` holds card geometry and text fitting (pure, no drawing), ``cards`` draws and encodes
share cards, ``photos`` decodes photos safely.
"""
