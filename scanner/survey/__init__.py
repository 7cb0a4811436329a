"""Self-assessment: the model's questions, answers files, their combination, a terminal
questionnaire."""
