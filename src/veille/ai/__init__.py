"""Model-assisted work, off by default: one OpenAI-compatible client (``veille.ai.client``) and the
agents that use it, each checking what the model says before anything is stored.

Layer: above ``store`` and ``sources`` (it reads settings, writes its own log table), below
``collect`` (the run lifecycle calls the agents); nothing here imports ``collect`` or above.
"""
