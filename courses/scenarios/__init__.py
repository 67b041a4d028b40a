"""Branching scenarios as learners walk them: the rules that record each choice
(`services`), the learner's walk and the trainers' choice report (`selectors`).

The tree itself is a block of a lesson body (courses.blocks.BranchingScenarioBlock); its shape
rules are courses.branching, shared with the curriculum loader, the exchange and the content
check.
"""
