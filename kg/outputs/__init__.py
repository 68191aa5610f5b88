"""What kg writes for people: the planner's report (:mod:`.report`), the interactive explorer
(:mod:`.explorer`), tables and text for the terminal or a file (:mod:`.text`), SPARQL answers
(:mod:`.results`) and the graph back out as tables (:mod:`.export`)."""
