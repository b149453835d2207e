"""PDF forms and exports — built in a later issue."""
