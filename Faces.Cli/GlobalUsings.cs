// The library's namespaces, which every part of the application uses.
global using Faces.Pipelines.Data;
global using Faces.Pipelines.Detection;
global using Faces.Pipelines.Evaluation;
global using Faces.Pipelines.Onnx;
global using Faces.Pipelines.Recognition;
global using Faces.Pipelines.Training;
