using Faces.Pipelines.Training;
using System.CommandLine;
using System.Globalization;
using Faces.Pipelines.Data;
using Faces.Pipelines.Data.Loaders;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Faces.Pipelines.Cli;

/// <summary><c>faces predict</c>: the class and probabilities of each image file, through ImageAnalytics and a saved model.</summary>
internal static class PredictCommand
{
    public static Command Create()
    {
        var command = new Command("predict", "Predict the class of image files (any size or colour; read as grayscale at the model's input size).");
        var model = CommonOptions.Model("The model .zip written by faces train or faces demo.");
        var images = new Argument<FileInfo[]>("IMAGE") { Description = "Image files (PNG, JPEG, BMP, GIF, WebP).", Arity = ArgumentArity.OneOrMore };
        command.Options.Add(model);
        command.Arguments.Add(images);
        command.SetAction(result =>
        {
            var ml = Scratch.NewContext(1);
            var file = result.GetValue(model)!;
            var transformer = ModelFiles.LoadClassifier(ml, file.FullName, out var inputSchema);
            int size = (inputSchema["Features"].Type as VectorDataViewType)?.Size ?? 0;
            int side = (int)Math.Round(Math.Sqrt(size));
            if (side * side != size)
                throw new InvalidDataException($"{file.Name}: the model takes {size} features, not a square grayscale image; predict reads images only for square grayscale models.");
            var paths = result.GetValue(images)!.Select(i => i.FullName).ToList();
            var pixels = ImagePixels.Load(ml, paths, new ImageShape(side, side));

            var classNames = (IReadOnlyList<string>?)Evaluation.ModelEvaluator.ClassNames(transformer, inputSchema)
                             ?? Enumerable.Range(0, ((VectorDataViewType)transformer.GetOutputSchema(inputSchema)["Score"].Type).Size).Select(i => $"class {i}").ToList();
            var rows = new FaceSplit("images", pixels, new int[paths.Count], size);
            var scores = transformer.Transform(FaceDataset.ToDataView(ml, rows, classNames)).GetColumn<float[]>("Score").ToList();
            for (int i = 0; i < paths.Count; i++)
            {
                int best = Array.IndexOf(scores[i], scores[i].Max());
                string probabilities = string.Join(" ", classNames.Select((c, k) => $"{c}={scores[i][k].ToString("F3", CultureInfo.InvariantCulture)}"));
                Console.WriteLine($"{paths[i]}\t{classNames[best]}\t{probabilities}");
            }
            return 0;
        });
        return command;
    }
}
