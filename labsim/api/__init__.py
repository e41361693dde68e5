"""The TrueNAS API, one module a namespace: small method handlers and the ``METHODS`` table.

``labsim.methods`` joins the tables; the lab state they read and change lives outside
(``labsim.state`` for the NAS, ``labsim.apps`` and ``labsim.backups`` for theirs).
"""
