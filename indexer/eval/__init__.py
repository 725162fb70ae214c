"""Datasets and evaluations: LiveQA against MedQuAD, RQE for similar questions, TREC runs."""
