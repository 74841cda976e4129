"""The evaluation runner behind `assistant eval QUESTIONS.jsonl --out RESULTS.jsonl`.

One module per job, in the order a run uses them:

* `questions`: reading and checking a question file (`load_questions`);
* `runner`: asking the questions, conversations in turn order (`run_questions`);
* `scoring`: scoring one answer record (`score`, `Result`);
* `totals`: the totals over a run (`summarize`);
* `thresholds`: the limits a CI job sets on them (`check_thresholds`);
* `report` and `chart`: the Markdown, JSON and PNG report for people to read;
* `percentile`: the one percentile definition, shared with benchmarks/.
"""
