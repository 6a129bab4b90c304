"""The support demo's hand-written dataset: customers.json and followups.json."""
