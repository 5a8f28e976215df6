namespace Faces.Pipelines.Data;

/// <summary>
/// How a dataset without given splits is divided into train/valid/test, separate from how a model is trained.
/// Stratified by class by default; grouped — no person in two splits — when <see cref="GroupBy"/> or
/// <see cref="GroupsFile"/> says how to find the person of each image.
/// </summary>
public sealed record SplitOptions
{
    /// <summary>Seeds the split (and the embedded generator's faces); the training seed is another setting.</summary>
    public int Seed { get; init; } = 1;
    /// <summary>A regular expression matched against each file name; its first capture group is the person (group).</summary>
    public string? GroupBy { get; init; }
    /// <summary>A CSV of <c>file,group</c> rows (file relative to the data folder, or its name alone).</summary>
    public string? GroupsFile { get; init; }
    /// <summary>The validation and test shares of a split that Faces makes. Default 10% each.</summary>
    public double ValidationFraction { get; init; } = 0.1;
    public double TestFraction { get; init; } = 0.1;

    /// <summary>"stratified", "grouped by …", for reports and the model's provenance.</summary>
    public string Describe() => GroupBy != null ? $"grouped by /{GroupBy}/, stratified by class"
        : GroupsFile != null ? $"grouped by {Path.GetFileName(GroupsFile)}, stratified by class"
        : "stratified by class";
}
