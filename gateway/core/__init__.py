"""The consent core: what a consent is, how a capture becomes one, and the one write path.

``consent`` (the canonical event), ``normaliser`` (capture → event or a clear error),
``phones``, ``errors``, ``i18n``, ``ledger`` and ``chain_template`` (the hash chain),
``wordings``, ``revocation``, ``codes``, ``serialize`` (events as JSON), ``config``
(settings), ``clock``, ``outbox`` (work done after a commit) and ``service`` (capture and
eligibility, over the ``ConsentStore`` port). Pure Python: no Flask, no SQL, no HTTP client;
every other package may import it, and it imports none of them.
"""
