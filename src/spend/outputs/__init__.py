"""What analysts publish and send: published figures checked (`figures`), evidence exports and FOI drafts
(`export`), and charts (`charts`)."""
