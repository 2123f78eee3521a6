"""The pages links sent in chat open, under `/handoff/`: the calendar import hand-off."""
