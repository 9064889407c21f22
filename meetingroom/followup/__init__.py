"""Step 4 (党员群众评议): resolutions carried out, rated and put on the public record."""
