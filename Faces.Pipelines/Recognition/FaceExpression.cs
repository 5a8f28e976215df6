using Faces.Pipelines.Detection;

namespace Faces.Pipelines.Recognition;

/// <summary>One face of a photo: where it is, the most likely expression, and every expression's probability.</summary>
public sealed record FaceExpression(FaceBox Box, string Expression, float Probability, IReadOnlyDictionary<string, float> Probabilities)
{
    /// <summary>
    /// Which pixels of the face drove <see cref="Expression"/>: the model's side² values, row-major over the face's box,
    /// summing to 1 (<see cref="ExpressionModel.Explain"/>); null unless the recognizer was asked to explain.
    /// </summary>
    public float[]? Saliency { get; init; }

    /// <summary>The face at <paramref name="box"/> with class probabilities <paramref name="scores"/> (in <paramref name="classes"/> order).</summary>
    public static FaceExpression From(FaceBox box, float[] scores, IReadOnlyList<string> classes)
    {
        int best = Array.IndexOf(scores, scores.Max());
        return new FaceExpression(box, classes[best], scores[best], classes.Select((c, k) => (c, k)).ToDictionary(x => x.c, x => scores[x.k]));
    }
}
