using System.Reflection;
using Faces.Torch.Native;

namespace Faces.Tests.Foundation;

/// <summary>The GLIBCXX_3.4.32 fix, run on copies of real libraries (the NuGet cache copy is only read).</summary>
public sealed class ElfVersionNeedPatcherTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("faces-elf-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static string PackageLibrary()
    {
        string folder = typeof(ElfVersionNeedPatcherTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "TorchSharpPackageFolder").Value!;
        string path = Path.Combine(folder, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        Assert.True(File.Exists(path), $"TorchSharp's package library is missing: {path}");
        return path;
    }

    private static string OutputLibrary(string name) =>
        Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", name);

    [Fact]
    public void Patch_sets_the_weak_flag_on_that_entry_only()
    {
        byte[] original = File.ReadAllBytes(PackageLibrary());
        byte[] patched = (byte[])original.Clone();

        var outcome = ElfVersionNeedPatcher.WeakenVersionNeed(patched, "GLIBCXX_3.4.32", ElfVersionNeedPatcher.TorchSharpSafeSymbols, "copy");

        Assert.Equal(ElfPatchOutcome.Patched, outcome);
        var changed = Enumerable.Range(0, original.Length).Where(i => original[i] != patched[i]).ToList();
        int at = Assert.Single(changed);
        Assert.Equal(0x02, original[at] ^ patched[at]);
        // The changed byte is the vna_flags of the entry whose name is GLIBCXX_3.4.32: other entries keep theirs.
        Assert.Equal(0, original[at] & 0x02);
    }

    [Fact]
    public void Patch_is_idempotent()
    {
        byte[] once = File.ReadAllBytes(PackageLibrary());
        ElfVersionNeedPatcher.WeakenVersionNeed(once, "GLIBCXX_3.4.32", ElfVersionNeedPatcher.TorchSharpSafeSymbols, "copy");
        byte[] twice = (byte[])once.Clone();

        var outcome = ElfVersionNeedPatcher.WeakenVersionNeed(twice, "GLIBCXX_3.4.32", ElfVersionNeedPatcher.TorchSharpSafeSymbols, "copy");

        Assert.Equal(ElfPatchOutcome.AlreadyWeak, outcome);
        Assert.Equal(once, twice);
    }

    [Fact]
    public void PatchCopy_writes_a_copy_and_leaves_the_source_alone()
    {
        string source = Path.Combine(_folder, "libLibTorchSharp.so");
        File.Copy(PackageLibrary(), source);
        byte[] before = File.ReadAllBytes(source);
        string destination = Path.Combine(_folder, "out", "libLibTorchSharp.so");

        var outcome = ElfVersionNeedPatcher.PatchCopy(source, destination, "GLIBCXX_3.4.32", ElfVersionNeedPatcher.TorchSharpSafeSymbols);

        Assert.Equal(ElfPatchOutcome.Patched, outcome);
        Assert.Equal(before, File.ReadAllBytes(source));
        Assert.NotEqual(before, File.ReadAllBytes(destination));
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(destination)!, "*.tmp-*"));
    }

    [Fact]
    public void A_library_without_that_entry_stays_byte_identical()
    {
        string source = Path.Combine(_folder, "libc10.so");
        File.Copy(OutputLibrary("libc10.so"), source);
        string destination = Path.Combine(_folder, "libc10-out.so");

        var outcome = ElfVersionNeedPatcher.PatchCopy(source, destination, "GLIBCXX_3.4.32", ElfVersionNeedPatcher.TorchSharpSafeSymbols);

        Assert.Equal(ElfPatchOutcome.VersionNotRequired, outcome);
        Assert.Equal(File.ReadAllBytes(source), File.ReadAllBytes(destination));
    }

    [Fact]
    public void A_non_elf_file_is_rejected_with_its_name()
    {
        string path = Path.Combine(_folder, "notes.txt");
        File.WriteAllText(path, "this is not a shared library, just some text long enough to pass a size check ....");

        var error = Assert.Throws<ElfPatchException>(() =>
            ElfVersionNeedPatcher.PatchCopy(path, path + ".out", "GLIBCXX_3.4.32", ElfVersionNeedPatcher.TorchSharpSafeSymbols));

        Assert.Contains("notes.txt", error.Message);
        Assert.Contains("not an ELF file", error.Message);
        Assert.False(File.Exists(path + ".out"));
    }

    [Fact]
    public void A_truncated_library_is_rejected_not_misread()
    {
        byte[] image = File.ReadAllBytes(PackageLibrary())[..4096];

        var error = Assert.Throws<ElfPatchException>(() =>
            ElfVersionNeedPatcher.WeakenVersionNeed(image, "GLIBCXX_3.4.32", ElfVersionNeedPatcher.TorchSharpSafeSymbols, "short.so"));

        Assert.Contains("short.so", error.Message);
    }

    [Fact]
    public void Refuses_when_another_symbol_is_bound_to_the_version()
    {
        byte[] image = File.ReadAllBytes(PackageLibrary());

        var error = Assert.Throws<ElfPatchException>(() =>
            ElfVersionNeedPatcher.WeakenVersionNeed(image, "GLIBCXX_3.4.32", Array.Empty<string>(), "lib.so"));

        Assert.Contains("_ZSt21ios_base_library_initv", error.Message);
    }

    [Fact]
    public void The_build_output_carries_the_patched_library()
    {
        byte[] output = File.ReadAllBytes(OutputLibrary("libLibTorchSharp.so"));
        string? hostLib = ElfVersionNeedPatcher.FindHostLibStdCxx();
        bool hostHasVersion = hostLib != null && ElfVersionNeedPatcher.LibraryMentionsVersion(hostLib, "GLIBCXX_3.4.32");

        var outcome = ElfVersionNeedPatcher.WeakenVersionNeed(output, "GLIBCXX_3.4.32", ElfVersionNeedPatcher.TorchSharpSafeSymbols, "bin copy");

        // auto mode: patched where the host lacks the version, untouched where it has it.
        Assert.Equal(hostHasVersion ? ElfPatchOutcome.Patched : ElfPatchOutcome.AlreadyWeak, outcome);
    }

    [Fact]
    public void OpenCv_loses_only_its_GUI_library_needs_in_the_build_output()
    {
        string package = Directory.GetFiles(Path.Combine(Environment.GetEnvironmentVariable("NUGET_PACKAGES")
                ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages"),
            "opencvsharp4.official.runtime.linux-x64"), "libOpenCvSharpExtern.so", SearchOption.AllDirectories).Single();
        var original = ElfVersionNeedPatcher.NeededLibraries(File.ReadAllBytes(package), "package");
        var output = ElfVersionNeedPatcher.NeededLibraries(File.ReadAllBytes(OutputLibrary("libOpenCvSharpExtern.so")), "bin copy");

        Assert.Contains("libgtk-3.so.0", original);
        Assert.Contains("libgdk-3.so.0", original);
        Assert.Equal(original.Where(n => n is not "libgtk-3.so.0" and not "libgdk-3.so.0"), output);

        var image = File.ReadAllBytes(package);
        Assert.Equal(2, ElfVersionNeedPatcher.RemoveNeeded(image, ElfVersionNeedPatcher.OpenCvGuiLibraries, "copy"));
        Assert.Equal(0, ElfVersionNeedPatcher.RemoveNeeded(image, ElfVersionNeedPatcher.OpenCvGuiLibraries, "copy"));
        Assert.Equal(output, ElfVersionNeedPatcher.NeededLibraries(image, "copy"));
    }

    [Fact]
    public void Load_failure_message_names_file_and_version()
    {
        string message = TorchRuntime.Describe("/app/libLibTorchSharp.so",
            "/lib/x86_64-linux-gnu/libstdc++.so.6: version `GLIBCXX_3.4.32' not found (required by /app/libLibTorchSharp.so)");

        Assert.Contains("/app/libLibTorchSharp.so", message);
        Assert.Contains("GLIBCXX_3.4.32", message);
        Assert.Contains("FacesTorchNativeFix", message);
    }
}
