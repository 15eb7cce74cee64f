"""学时 and certificates (issue 13, points 5 and 6): learning minutes credited once per thing learned,
per worker and per unit, the training-file export, and PDF certificates with a public verification code.

Domain only: plain values and ORM objects, no Telegram, no web. ``service`` credits and sums minutes,
``excel`` writes the training-file export, ``certificates`` issues, finds and renders certificates.
Campaigns call ``service.credit_attempt`` when an attempt finishes and ``certificates.issue_certificate``
for finishers and winners.
"""
