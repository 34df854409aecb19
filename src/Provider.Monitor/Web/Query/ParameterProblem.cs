namespace Provider.Monitor.Web.Query;

/// <summary>A query parameter that could not be used: which one, what is wrong with it, and a value that would work.</summary>
public sealed record ParameterProblem(string Parameter, string Problem, string Example);
