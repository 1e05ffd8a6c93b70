"""The web area: rules, texts and limits of the hosted form and the widget, double opt-in.

The pages themselves are channels (``channels/web_form.py``, ``channels/widget.py``);
``service`` confirms pending opt-ins with the code a visitor sends on WhatsApp
(docs/web.md).
"""
