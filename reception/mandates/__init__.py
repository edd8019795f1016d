"""Voters' mandates (наказы избирателей / сайлаушылар аманаттары): recurring proposals and problems gathered from
appeals, adopted into points of the programme, and the road map of tasks that carries each point out."""
