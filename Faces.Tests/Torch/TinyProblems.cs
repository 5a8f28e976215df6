using Faces.Torch.Training;
using static TorchSharp.torch;

namespace Faces.Tests.Torch;

/// <summary>Small generated classification problems that a working net learns in seconds.</summary>
internal static class TinyProblems
{
    /// <summary>
    /// size×size images, one bright square per class at a class-specific place, plus noise; flattened row-major.
    /// </summary>
    public static LabeledTensors Squares(int count, int size, int classes, int seed)
    {
        var random = new Random(seed);
        var features = new float[count * size * size];
        var labels = new int[count];
        int block = size / 3;
        for (int n = 0; n < count; n++)
        {
            int label = n % classes;
            labels[n] = label;
            int top = (label / 3 % 3) * block, left = (label % 3) * block;
            for (int i = 0; i < size * size; i++) features[n * size * size + i] = (float)(random.NextDouble() * 0.3);
            for (int r = top; r < top + block; r++)
            for (int c = left; c < left + block; c++)
                features[n * size * size + r * size + c] += 0.7f;
        }
        return LabeledTensors.FromArrays(features, labels, size * size, classes);
    }
}
