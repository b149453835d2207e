"""The site's blueprints."""
