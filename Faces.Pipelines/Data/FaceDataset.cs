using Faces.Pipelines.Imaging;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Faces.Pipelines.Data;

/// <summary>
/// A dataset with train, validation and test splits, class names and the image shape. Every loader produces one;
/// it gives ML.NET IDataViews (Features vector + Label key carrying the class names) and Faces.Torch tensors.
/// </summary>
public sealed class FaceDataset
{
    /// <summary>The seven expressions, in TFD's and FER2013's index order.</summary>
    public static IReadOnlyList<string> Emotions { get; } = new[] { "anger", "disgust", "fear", "happy", "sad", "surprise", "neutral" };

    /// <summary>Where the data came from (file, folder or generator).</summary>
    public string Source { get; }
    /// <summary>Class names in label-index order.</summary>
    public IReadOnlyList<string> ClassNames { get; }
    /// <summary>The shape of one example.</summary>
    public ImageShape Shape { get; }
    /// <summary>Which file went to which split, for datasets read from files one image each; null otherwise.</summary>
    public SplitManifest? Manifest { get; init; }
    /// <summary>How the splits were made (given by the source, or Faces' stratified/grouped split and its seed).</summary>
    public string SplitMethod { get; init; } = "given by the source";
    /// <summary>What a user should know about the data before trusting a result on it (groups shared between splits, tiny classes).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = Array.Empty<string>();
    /// <summary>Whether <see cref="Train"/> holds the validation rows too (<see cref="WithValidationInTraining"/>).</summary>
    public bool ValidationInTraining { get; private init; }
    /// <summary>The training split's rows as loaded: <see cref="Train"/>'s count, less the validation rows that joined it.</summary>
    public int LoadedTrainRows => ValidationInTraining ? Train.Count - Validation.Count : Train.Count;
    public FaceSplit Train { get; }
    public FaceSplit Validation { get; }
    public FaceSplit Test { get; }

    public FaceDataset(string source, IReadOnlyList<string> classNames, ImageShape shape, FaceSplit train, FaceSplit validation, FaceSplit test)
    {
        Source = source;
        ClassNames = classNames;
        Shape = shape;
        Train = train;
        Validation = validation;
        Test = test;
        foreach (var split in Splits)
        {
            if (split.Dimension != shape.Size)
                throw new InvalidDataException($"{source}: split '{split.Name}' has {split.Dimension} values per row; {shape} images need {shape.Size}.");
            int bad = Array.FindIndex(split.Labels, l => l < 0 || l >= classNames.Count);
            if (bad >= 0)
                throw new InvalidDataException($"{source}: split '{split.Name}' row {bad} has label {split.Labels[bad]}, outside 0..{classNames.Count - 1}.");
        }
    }

    /// <summary>
    /// The same data with the validation rows appended to the training split: the refit that follows choosing the
    /// settings on validation. The validation split stays (evaluated, for reference) but is no longer held out; the
    /// split method says so, and so does a model's provenance.
    /// </summary>
    public FaceDataset WithValidationInTraining()
    {
        if (ValidationInTraining) return this;
        var features = new float[Train.Features.Length + Validation.Features.Length];
        Train.Features.CopyTo(features, 0);
        Validation.Features.CopyTo(features, Train.Features.Length);
        var train = new FaceSplit($"{Train.Name}+{Validation.Name}", features, Train.Labels.Concat(Validation.Labels).ToArray(), Train.Dimension);
        return new FaceDataset(Source, ClassNames, Shape, train, Validation, Test)
        {
            Manifest = Manifest,
            SplitMethod = $"{SplitMethod}; the validation rows are trained on too",
            Warnings = Warnings,
            ValidationInTraining = true,
        };
    }

    /// <summary>The splits by their roles, "train", "valid" and "test", whatever their names (a merged training split is "train+valid").</summary>
    public IEnumerable<(string Role, FaceSplit Split)> Roles => new[] { ("train", Train), ("valid", Validation), ("test", Test) };

    /// <summary>Train, valid, test.</summary>
    public IEnumerable<FaceSplit> Splits => Roles.Select(r => r.Split);

    /// <summary>The split named "train", "valid" or "test".</summary>
    public FaceSplit this[string name] => Splits.FirstOrDefault(s => s.Name == name)
        ?? throw new ArgumentException($"No split named '{name}'; the splits are train, valid and test.");

    /// <summary>
    /// The split as an IDataView with a Features column (vector of <see cref="ImageShape.Size"/> Singles) and a Label
    /// key column whose key values are <see cref="ClassNames"/>. Rows are read from the split's arrays in place (<see cref="SplitDataView"/>).
    /// </summary>
    public IDataView ToDataView(MLContext ml, FaceSplit split) => ToDataView(ml, split, ClassNames);

    /// <summary>Any rows (for example images to predict, with placeholder labels) as the same kind of IDataView.</summary>
    public static IDataView ToDataView(MLContext ml, FaceSplit split, IReadOnlyList<string> classNames) => new SplitDataView(split, classNames);
}
