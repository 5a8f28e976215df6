using Faces.Pipelines.Imaging;
using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Faces.Pipelines.Detection;
using Faces.Torch.IO;

namespace Faces.Cli.Commands;

/// <summary>
/// <c>faces predict</c>: finds every face in each photo and prints its box and the probability of every expression
/// (<c>--no-detect</c> takes each image as one face, for images that already are face crops); <c>--annotate</c> writes
/// copies with the boxes and expressions drawn; <c>--explain</c> writes copies with each face's saliency map over it.
/// </summary>
internal static class PredictCommand
{
    public static Command Create()
    {
        var command = new Command("predict", "Find the faces in photos and predict each one's expression (any size or colour).");
        var model = CommonOptions.ModelOrDefault("The model .zip written by faces train or faces demo.");
        var images = new Argument<FileInfo[]>("IMAGE") { Description = "Image files (PNG, JPEG, BMP, GIF, WebP).", Arity = ArgumentArity.OneOrMore };
        var json = new Option<bool>("--json") { Description = "One JSON array on standard output instead of a table." };
        var noDetect = new Option<bool>("--no-detect") { Description = "Take each whole image as one face (images that already are face crops)." };
        var annotate = new Option<DirectoryInfo?>("--annotate") { Description = "Write a copy of each photo with the faces boxed and labelled to this folder (PNG)." };
        var explain = new Option<DirectoryInfo?>("--explain")
        {
            Description = "Write a copy of each photo with every face's saliency map (what drove its expression; HiResCAM for the CNNs, gradient × input for the MLP) over it to this folder (PNG). Network models only.",
        };
        var detection = new DetectionArguments();
        foreach (var option in new Option[] { model, json, noDetect, annotate, explain }.Concat(detection.All)) command.Options.Add(option);
        command.Arguments.Add(images);
        command.SetAction(result =>
        {
            if (result.GetValue(annotate) is { } folder) OutputPaths.CheckFolder(folder.FullName, "--annotate");
            if (result.GetValue(explain) is { } explainFolder) OutputPaths.CheckFolder(explainFolder.FullName, "--explain");
            string modelPath = CommonOptions.ModelPath(result, model);
            // One load: the model's input says whether it scores face pixels or reads image files itself.
            var ml = Scratch.NewContext(1);
            var loaded = ModelFiles.Load(ml, modelPath, out var input);
            if (ImagePipelineModel.From(ml, loaded, input, modelPath) is { } pipeline)
            {
                if (result.GetValue(explain) != null)
                    throw new ArgumentException($"--explain: {Path.GetFileName(modelPath)} reads image files itself; saliency maps are drawn for models that score face pixels.");
                return PredictWithPipeline(pipeline, result.GetValue(images)!.Select(i => i.FullName).ToList(), result.GetValue(json));
            }
            var expressions = ExpressionModel.From(ml, loaded, input, modelPath)
                              ?? throw new InvalidDataException($"{modelPath} is not a Faces model: its input has no fixed-size Features vector.");
            var explainTo = result.GetValue(explain);
            if (explainTo != null && !expressions.CanExplain)
                throw new ArgumentException($"--explain: {Path.GetFileName(modelPath)} classifies with a mixture of Gaussians, which has no gradients to map; use a network model.");
            using var detector = new FaceDetector(detection.Read(result));
            using var recognizer = new ExpressionRecognizer(expressions, detector);
            bool whole = result.GetValue(noDetect);
            var outcomes = new List<Outcome>();
            foreach (var path in result.GetValue(images)!.Select(i => i.FullName))
            {
                try
                {
                    bool explaining = explainTo != null;
                    var faces = whole ? new[] { recognizer.RecognizeWhole(path, explaining) } : recognizer.Recognize(path, explaining);
                    outcomes.Add(new Outcome(path, faces, null));
                    if (result.GetValue(annotate) is { } target)
                        AtomicFile.Write(Path.Combine(target.FullName, Path.GetFileNameWithoutExtension(path) + ".faces.png"),
                            (Stream file) => file.Write(ExpressionRecognizer.Annotate(path, faces.Select(f => f with { Saliency = null }).ToList())));
                    if (explainTo != null)
                        AtomicFile.Write(Path.Combine(explainTo.FullName, Path.GetFileNameWithoutExtension(path) + ".saliency.png"),
                            (Stream file) => file.Write(ExpressionRecognizer.Annotate(path, faces)));
                }
                catch (Exception e) when (e is InvalidDataException or FileNotFoundException)
                {
                    outcomes.Add(new Outcome(path, Array.Empty<FaceExpression>(), e.Message));
                }
            }

            if (result.GetValue(json))
                Console.WriteLine(JsonSerializer.Serialize(outcomes.Select(o => o.ToJson()), FaceRecord.JsonOptions));
            else
            {
                Console.WriteLine($"file\tface\tbox\texpression\tprobability\t{string.Join(" ", recognizer.ClassNames)}");
                foreach (var o in outcomes) foreach (var line in o.Lines(recognizer.ClassNames)) Console.WriteLine(line);
            }
            var failed = outcomes.Where(o => o.Error != null).ToList();
            if (failed.Count == 0) return 0;
            Console.Error.WriteLine($"faces: error: {failed.Count} of {outcomes.Count} image(s) could not be read (their lines say why); the first: " +
                                    CommandLineErrors.OneLine(failed[0].Error!));
            return CommandLineErrors.BadInput;
        });
        return command;
    }

    /// <summary>A model that reads image files itself (its own LoadImages, and CropFace if it has one): one line per file.</summary>
    private static int PredictWithPipeline(ImagePipelineModel pipeline, List<string> paths, bool json)
    {
        var errors = new Dictionary<string, string>();
        foreach (var path in paths)
        {
            try
            {
                Faces.Pipelines.Imaging.ImageFiles.Check(path);
            }
            catch (Exception e) when (e is InvalidDataException or FileNotFoundException)
            {
                errors[path] = e.Message;
            }
        }
        var readable = paths.Where(p => !errors.ContainsKey(p)).ToList();
        var scored = readable.Zip(pipeline.Score(readable)).ToDictionary(p => p.First, p => p.Second);
        var outcomes = paths.Select(path => errors.TryGetValue(path, out var error) ? new Outcome(path, Array.Empty<FaceExpression>(), error)
            : !scored[path].FaceFound ? new Outcome(path, Array.Empty<FaceExpression>(), null)
            : new Outcome(path, new[] { FaceExpression.From(new FaceBox(0, 0, 0, 0, 0), scored[path].Scores, pipeline.ClassNames) } /* cropped inside the model: no box */, null)).ToList();
        if (json)
            Console.WriteLine(JsonSerializer.Serialize(outcomes.Select(o => o.ToJson()), FaceRecord.JsonOptions));
        else
        {
            Console.WriteLine($"file\tface\tbox\texpression\tprobability\t{string.Join(" ", pipeline.ClassNames)}");
            foreach (var o in outcomes) foreach (var line in o.Lines(pipeline.ClassNames)) Console.WriteLine(line);
        }
        if (errors.Count == 0) return 0;
        Console.Error.WriteLine($"faces: error: {errors.Count} of {paths.Count} image(s) could not be read (their lines say why); the first: " +
                                CommandLineErrors.OneLine(errors.First().Value));
        return CommandLineErrors.BadInput;
    }

    private sealed record Outcome(string File, IReadOnlyList<FaceExpression> Faces, string? Error)
    {
        private static string F(float v) => v.ToString("F3", CultureInfo.InvariantCulture);

        public IEnumerable<string> Lines(IReadOnlyList<string> classes)
        {
            string file = CommandLineErrors.OneLine(File);
            if (Error != null)
            {
                yield return $"{file}\t-\t-\terror\t-\t{CommandLineErrors.OneLine(Error)}";
                yield break;
            }
            if (Faces.Count == 0) yield return $"{file}\t0\t-\tno face found\t-\t-";
            for (int i = 0; i < Faces.Count; i++)
            {
                var f = Faces[i];
                string box = f.Box.Width == 0 ? "-" : $"{f.Box.X},{f.Box.Y},{f.Box.Width}x{f.Box.Height}";
                yield return $"{file}\t{i + 1}\t{box}\t{f.Expression}\t{F(f.Probability)}\t" +
                             string.Join(" ", classes.Select(c => $"{c}={F(f.Probabilities[c])}"));
            }
        }

        public object ToJson() => Error != null
            ? new { file = File, error = Error }
            : new { file = File, faces = Faces.Select(f => FaceRecord.From(f)) };
    }
}
