"""Rules (§7.9): the condition language, PolicyPatch validation and merge, evaluation."""
