using System.Text.Json;
using System.Text.Json.Serialization;

namespace Faces.Pipelines.Recognition;

/// <summary>
/// The one JSON form of a recognised face, written by <c>faces predict --json</c> and <c>faces serve</c> alike:
/// <c>{"box":{"x","y","width","height","score"},"expression","probability","probabilities":{class: p}}</c>.
/// A face without a box (a model that crops inside itself) has a null box. An explained face adds <c>"saliency"</c>:
/// the model's side² map values, row-major over the box, summing to 1 (<see cref="FaceExpression.Saliency"/>).
/// </summary>
public sealed record FaceRecord(FaceRecord.BoxRecord? Box, string Expression, float Probability, IReadOnlyDictionary<string, float> Probabilities)
{
    /// <summary>The face's saliency map, when it was explained; not written otherwise.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public float[]? Saliency { get; init; }

    /// <summary>A face's box in the photo's pixels and the detector's confidence in it.</summary>
    public sealed record BoxRecord(int X, int Y, int Width, int Height, double Score);

    /// <summary>camelCase names, as ASP.NET Core writes JSON.</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>
    /// The record of <paramref name="face"/>; <paramref name="toSource"/> maps the box's coordinates back to the
    /// original photo when it was decoded reduced.
    /// </summary>
    public static FaceRecord From(FaceExpression face, Func<int, int>? toSource = null)
    {
        var map = toSource ?? (v => v);
        var box = face.Box.Width == 0 ? null
            : new BoxRecord(map(face.Box.X), map(face.Box.Y), map(face.Box.Width), map(face.Box.Height), face.Box.Score);
        return new FaceRecord(box, face.Expression, face.Probability, face.Probabilities) { Saliency = face.Saliency };
    }
}
