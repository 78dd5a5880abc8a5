package embed

// PlanWindows lends the window planner to the external tests.
var PlanWindows = planWindows
