"""Operations console (Plotly Dash) for city staff — built in a later issue."""
