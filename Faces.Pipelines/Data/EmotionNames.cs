namespace Faces.Pipelines.Data;

/// <summary>
/// One canonical name per expression (<see cref="FaceDataset.Emotions"/>: anger, disgust, fear, happy, sad, surprise,
/// neutral) and the other spellings datasets use for the same classes: FER2013's image folders say <c>angry</c>, others
/// <c>happiness</c>, <c>sadness</c>, <c>surprised</c>, <c>fearful</c>, <c>disgusted</c>.
/// </summary>
public static class EmotionNames
{
    private static readonly Dictionary<string, string> Aliases = new(StringComparer.OrdinalIgnoreCase)
    {
        ["anger"] = "anger", ["angry"] = "anger",
        ["disgust"] = "disgust", ["disgusted"] = "disgust",
        ["fear"] = "fear", ["fearful"] = "fear", ["afraid"] = "fear",
        ["happy"] = "happy", ["happiness"] = "happy", ["joy"] = "happy",
        ["sad"] = "sad", ["sadness"] = "sad",
        ["surprise"] = "surprise", ["surprised"] = "surprise",
        ["neutral"] = "neutral",
    };

    /// <summary>The canonical expression a class name stands for, or null when it names none of the seven.</summary>
    public static string? Canonical(string name) => Aliases.TryGetValue(name.Trim(), out var canonical) ? canonical : null;
}
