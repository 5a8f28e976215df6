// Marks one symbol-version requirement of an ELF shared library as weak (VER_FLG_WEAK).
//
// Why: TorchSharp 0.107's libLibTorchSharp.so asks for GLIBCXX_3.4.32 (GCC 13's libstdc++) while
// Debian 12 ships GCC 12's. The only symbol bound to that version, std::ios_base_library_init, is
// never relocated, so a weak requirement lets the dynamic loader accept the older libstdc++.
//
// Build-time code only, never in the Faces.Torch assembly: the MSBuild inline task in
// Faces.Torch.NativeFix.targets compiles it with the task class below, against netstandard2.0 (it uses nothing
// newer than that), and the tests compile the patcher alone (FACES_PATCHER_ONLY) to check it.
#nullable enable
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace Faces.Torch.Native
{
    /// <summary>What <see cref="ElfVersionNeedPatcher"/> did to a library image.</summary>
    public enum ElfPatchOutcome
    {
        /// <summary>The version requirement was found and is now weak.</summary>
        Patched,
        /// <summary>The version requirement was already weak: nothing changed.</summary>
        AlreadyWeak,
        /// <summary>The library does not require that version: nothing changed.</summary>
        VersionNotRequired,
    }

    /// <summary>The file is not an ELF library this patcher understands, or patching it would be unsafe.</summary>
    public sealed class ElfPatchException : Exception
    {
        public ElfPatchException(string message) : base(message) { }
    }

    /// <summary>Sets VER_FLG_WEAK on one entry of an ELF64 little-endian library's <c>.gnu.version_r</c> section.</summary>
    public static class ElfVersionNeedPatcher
    {
        /// <summary>The version TorchSharp 0.107 needs and Debian 12 lacks.</summary>
        public const string TorchSharpMissingVersion = "GLIBCXX_3.4.32";

        /// <summary>The only symbol allowed to use that version (std::ios_base_library_init, never relocated).</summary>
        public static readonly string[] TorchSharpSafeSymbols = { "_ZSt21ios_base_library_initv" };

        private const uint ShtDynsym = 11;
        private const uint ShtGnuVerneed = 0x6ffffffe;
        private const uint ShtGnuVersym = 0x6fffffff;
        private const ushort VerFlgWeak = 0x2;

        /// <summary>
        /// Makes <paramref name="version"/> a weak requirement in <paramref name="image"/>, in place.
        /// Refuses (throws) when a symbol other than <paramref name="allowedSymbols"/> is bound to that version,
        /// since weakening it would turn a load-time error into a crash later.
        /// </summary>
        public static ElfPatchOutcome WeakenVersionNeed(byte[] image, string version, ICollection<string> allowedSymbols, string fileName)
        {
            var elf = new ElfView(image, fileName);
            int found = 0;
            ElfPatchOutcome outcome = ElfPatchOutcome.VersionNotRequired;
            foreach (var section in elf.Sections(ShtGnuVerneed))
            {
                var strtab = elf.Section(section.Link);
                long entry = section.Offset;
                for (uint i = 0; i < section.Info; i++)
                {
                    ushort auxCount = elf.U16(entry + 2);
                    long aux = entry + elf.U32(entry + 8);
                    for (uint a = 0; a < auxCount; a++)
                    {
                        string name = elf.String(strtab, elf.U32(aux + 8));
                        if (name == version)
                        {
                            found++;
                            ushort versionIndex = elf.U16(aux + 6);
                            CheckOnlyAllowedSymbolsUse(elf, versionIndex, version, allowedSymbols);
                            ushort flags = elf.U16(aux + 4);
                            if ((flags & VerFlgWeak) != 0)
                            {
                                outcome = ElfPatchOutcome.AlreadyWeak;
                            }
                            else
                            {
                                elf.WriteU16(aux + 4, (ushort)(flags | VerFlgWeak));
                                outcome = ElfPatchOutcome.Patched;
                            }
                        }
                        uint nextAux = elf.U32(aux + 12);
                        if (nextAux == 0) break;
                        aux += nextAux;
                    }
                    uint next = elf.U32(entry + 12);
                    if (next == 0) break;
                    entry += next;
                }
            }
            if (found > 1)
                throw new ElfPatchException($"{fileName}: {version} is required {found} times in .gnu.version_r; refusing to patch an unexpected layout.");
            return outcome;
        }

        /// <summary>
        /// Writes a copy of <paramref name="source"/> to <paramref name="destination"/> with <paramref name="version"/> weakened.
        /// The source is only read (it may live in the NuGet cache, or be a hard link into it). The copy is written to a
        /// temporary name and renamed, so a reader never sees half a library.
        /// </summary>
        public static ElfPatchOutcome PatchCopy(string source, string destination, string version, ICollection<string> allowedSymbols)
        {
            byte[] image = File.ReadAllBytes(source);
            var outcome = WeakenVersionNeed(image, version, allowedSymbols, source);
            WriteCopy(image, destination);
            return outcome;
        }

        /// <summary>The GUI libraries OpenCV's native wrapper lists as needed; none of its functions Faces calls uses them.</summary>
        public static readonly string[] OpenCvGuiLibraries = { "libgtk-3.so.0", "libgdk-3.so.0" };

        private const uint ShtDynamic = 6;
        private const long DtNull = 0, DtNeeded = 1;

        /// <summary>
        /// Removes the DT_NEEDED entries naming <paramref name="libraries"/> from <paramref name="image"/>'s dynamic
        /// section, in place (the later entries move up; DT_NULL fills the end). Returns how many were removed. Their
        /// symbols stay undefined and bind lazily, so only calls into those libraries would fail.
        /// </summary>
        public static int RemoveNeeded(byte[] image, ICollection<string> libraries, string fileName)
        {
            var elf = new ElfView(image, fileName);
            var dynamic = elf.FirstSection(ShtDynamic)
                ?? throw new ElfPatchException($"{fileName}: no dynamic section; not a shared library.");
            var strtab = elf.Section(dynamic.Link);
            long count = dynamic.Size / 16;
            var kept = new List<(ulong Tag, ulong Value)>();
            int removed = 0;
            for (long i = 0; i < count; i++)
            {
                long at = dynamic.Offset + 16 * i;
                ulong tag = elf.U64(at), value = elf.U64(at + 8);
                if ((long)tag == DtNull) break;
                if ((long)tag == DtNeeded && libraries.Contains(elf.String(strtab, (uint)value))) removed++;
                else kept.Add((tag, value));
            }
            for (long i = 0; i < count; i++)
            {
                long at = dynamic.Offset + 16 * i;
                var (tag, value) = i < kept.Count ? kept[(int)i] : ((ulong)DtNull, 0UL);
                elf.WriteU64(at, tag);
                elf.WriteU64(at + 8, value);
            }
            return removed;
        }

        /// <summary>The libraries an image's DT_NEEDED entries name, in order.</summary>
        public static List<string> NeededLibraries(byte[] image, string fileName)
        {
            var elf = new ElfView(image, fileName);
            var dynamic = elf.FirstSection(ShtDynamic)
                ?? throw new ElfPatchException($"{fileName}: no dynamic section; not a shared library.");
            var strtab = elf.Section(dynamic.Link);
            var names = new List<string>();
            for (long i = 0; i < dynamic.Size / 16; i++)
            {
                long at = dynamic.Offset + 16 * i;
                long tag = (long)elf.U64(at);
                if (tag == DtNull) break;
                if (tag == DtNeeded) names.Add(elf.String(strtab, (uint)elf.U64(at + 8)));
            }
            return names;
        }

        /// <summary>Writes a copy of <paramref name="source"/> without the DT_NEEDED entries of <paramref name="libraries"/> (temporary name, then renamed).</summary>
        public static int RemoveNeededCopy(string source, string destination, ICollection<string> libraries)
        {
            byte[] image = File.ReadAllBytes(source);
            int removed = RemoveNeeded(image, libraries, source);
            WriteCopy(image, destination);
            return removed;
        }

        /// <summary>Writes a patched image to a temporary name beside <paramref name="destination"/>, then renames it: a reader never sees half a library.</summary>
        private static void WriteCopy(byte[] image, string destination)
        {
            string? folder = Path.GetDirectoryName(Path.GetFullPath(destination));
            if (folder != null) Directory.CreateDirectory(folder);
            string temporary = destination + ".tmp-" + Guid.NewGuid().ToString("N");
            File.WriteAllBytes(temporary, image);
            ReplaceFile(temporary, destination);
        }

        /// <summary>Moves <paramref name="temporary"/> over <paramref name="destination"/> (netstandard2.0 has no Move with overwrite).</summary>
        public static void ReplaceFile(string temporary, string destination)
        {
            if (File.Exists(destination)) File.Replace(temporary, destination, null);
            else File.Move(temporary, destination);
        }

        /// <summary>Whether a library (a libstdc++, typically) defines <paramref name="version"/>, judged by its version-name strings.</summary>
        public static bool LibraryMentionsVersion(string path, string version)
        {
            byte[] image = File.ReadAllBytes(path);
            byte[] needle = Encoding.ASCII.GetBytes(version + "\0");
            for (int i = 0; i + needle.Length <= image.Length; i++)
            {
                int j = 0;
                while (j < needle.Length && image[i + j] == needle[j]) j++;
                if (j == needle.Length) return true;
            }
            return false;
        }

        /// <summary>The host's libstdc++.so.6, where a standard Linux layout has one; null elsewhere.</summary>
        public static string? FindHostLibStdCxx()
        {
            string[] candidates =
            {
                "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/lib/x86_64-linux-gnu/libstdc++.so.6",
                "/usr/lib/aarch64-linux-gnu/libstdc++.so.6", "/lib/aarch64-linux-gnu/libstdc++.so.6",
                "/usr/lib64/libstdc++.so.6", "/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6",
            };
            foreach (var candidate in candidates)
                if (File.Exists(candidate)) return candidate;
            return null;
        }

        private static void CheckOnlyAllowedSymbolsUse(ElfView elf, ushort versionIndex, string version, ICollection<string> allowedSymbols)
        {
            var versym = elf.FirstSection(ShtGnuVersym);
            var dynsym = elf.FirstSection(ShtDynsym);
            if (versym == null || dynsym == null)
                throw new ElfPatchException($"{elf.FileName}: no .gnu.version/.dynsym section, so the symbols bound to {version} cannot be checked; refusing to patch.");
            var dynstr = elf.Section(dynsym.Value.Link);
            long count = dynsym.Value.Size / 24;
            for (long i = 0; i < count; i++)
            {
                ushort index = (ushort)(elf.U16(versym.Value.Offset + 2 * i) & 0x7fff);
                if (index != versionIndex) continue;
                string symbol = elf.String(dynstr, elf.U32(dynsym.Value.Offset + 24 * i));
                if (!allowedSymbols.Contains(symbol))
                    throw new ElfPatchException($"{elf.FileName}: symbol '{symbol}' is bound to {version}; weakening it could crash at run time, refusing to patch.");
            }
        }

        private struct SectionHeader
        {
            public uint Type;
            public long Offset;
            public long Size;
            public uint Link;
            public uint Info;
        }

        /// <summary>Bounds-checked little-endian reads over an ELF64 image.</summary>
        private sealed class ElfView
        {
            private readonly byte[] _image;
            private readonly List<SectionHeader> _sections = new List<SectionHeader>();
            public string FileName { get; }

            public ElfView(byte[] image, string fileName)
            {
                _image = image;
                FileName = fileName;
                if (image.Length < 64 || image[0] != 0x7f || image[1] != (byte)'E' || image[2] != (byte)'L' || image[3] != (byte)'F')
                    throw new ElfPatchException($"{fileName}: not an ELF file (no \\x7fELF magic).");
                if (image[4] != 2 || image[5] != 1)
                    throw new ElfPatchException($"{fileName}: only 64-bit little-endian ELF is supported (class {image[4]}, data {image[5]}).");
                long shoff = (long)U64(0x28);
                ushort shentsize = U16(0x3A);
                ushort shnum = U16(0x3C);
                if (shentsize != 64 || shoff <= 0 || shoff + (long)shnum * 64 > image.Length)
                    throw new ElfPatchException($"{fileName}: section header table is missing or truncated.");
                for (int i = 0; i < shnum; i++)
                {
                    long h = shoff + 64L * i;
                    var s = new SectionHeader
                    {
                        Type = U32(h + 4), Offset = (long)U64(h + 24), Size = (long)U64(h + 32), Link = U32(h + 40), Info = U32(h + 44),
                    };
                    if (s.Type != 8 /* SHT_NOBITS */ && (s.Offset < 0 || s.Offset + s.Size > image.Length))
                        throw new ElfPatchException($"{fileName}: section {i} lies outside the file (truncated?).");
                    _sections.Add(s);
                }
            }

            public IEnumerable<SectionHeader> Sections(uint type)
            {
                foreach (var s in _sections)
                    if (s.Type == type) yield return s;
            }

            public SectionHeader? FirstSection(uint type)
            {
                foreach (var s in _sections)
                    if (s.Type == type) return s;
                return null;
            }

            public SectionHeader Section(uint index)
            {
                if (index >= _sections.Count) throw new ElfPatchException($"{FileName}: section link {index} out of range.");
                return _sections[(int)index];
            }

            public string String(SectionHeader table, uint offset)
            {
                long start = table.Offset + offset;
                Check(start, 1);
                long end = start;
                while (end < table.Offset + table.Size && _image[end] != 0) end++;
                return Encoding.ASCII.GetString(_image, (int)start, (int)(end - start));
            }

            public ushort U16(long at) { Check(at, 2); return (ushort)(_image[at] | _image[at + 1] << 8); }
            public uint U32(long at) { Check(at, 4); return (uint)(U16(at) | (uint)U16(at + 2) << 16); }
            public ulong U64(long at) { Check(at, 8); return U32(at) | (ulong)U32(at + 4) << 32; }

            public void WriteU64(long at, ulong value)
            {
                Check(at, 8);
                for (int b = 0; b < 8; b++) _image[at + b] = (byte)(value >> (8 * b));
            }

            public void WriteU16(long at, ushort value)
            {
                Check(at, 2);
                _image[at] = (byte)value;
                _image[at + 1] = (byte)(value >> 8);
            }

            private void Check(long at, int size)
            {
                if (at < 0 || at + size > _image.Length)
                    throw new ElfPatchException($"{FileName}: read past the end of the file at offset {at} (truncated or corrupt).");
            }
        }
    }
}

#if !FACES_PATCHER_ONLY
namespace Faces.Torch.Native.Build
{
    /// <summary>
    /// MSBuild task: writes fixed copies of the native libraries Faces' dependencies ship, into
    /// <see cref="OutputDirectory"/>: libLibTorchSharp.so with GLIBCXX_3.4.32 weakened (when <see cref="TorchSharpMode"/>
    /// is "true", or "auto" and the build host's libstdc++ lacks that version; copied unchanged otherwise), and
    /// libOpenCvSharpExtern.so without its GTK DT_NEEDED entries (absent on a fresh Debian 12; never called).
    /// </summary>
    public class FixNativeLibraries : Microsoft.Build.Utilities.Task
    {
        [Microsoft.Build.Framework.Required] public Microsoft.Build.Framework.ITaskItem[] Libraries { get; set; } = Array.Empty<Microsoft.Build.Framework.ITaskItem>();
        [Microsoft.Build.Framework.Required] public string OutputDirectory { get; set; } = "";
        public string TorchSharpMode { get; set; } = "auto";

        public override bool Execute()
        {
            var done = new HashSet<string>(StringComparer.Ordinal);
            foreach (var library in Libraries)
            {
                string source = library.GetMetadata("FullPath");
                string name = Path.GetFileName(source);
                if (!done.Add(name)) continue;
                string destination = Path.Combine(OutputDirectory, name);
                try
                {
                    if (name == "libLibTorchSharp.so") FixTorchSharp(source, destination);
                    else if (name == "libOpenCvSharpExtern.so")
                    {
                        int removed = ElfVersionNeedPatcher.RemoveNeededCopy(source, destination, ElfVersionNeedPatcher.OpenCvGuiLibraries);
                        Log.LogMessage(Microsoft.Build.Framework.MessageImportance.High,
                            $"Faces: {name} -> {destination}: {removed} GUI library need(s) removed ({string.Join(", ", ElfVersionNeedPatcher.OpenCvGuiLibraries)}).");
                    }
                }
                catch (Exception e)
                {
                    Log.LogError($"Faces: could not prepare {name} from {source}: {e.Message}");
                    return false;
                }
            }
            return true;
        }

        private void FixTorchSharp(string source, string destination)
        {
            string? hostLib = ElfVersionNeedPatcher.FindHostLibStdCxx();
            bool hostHasVersion = hostLib != null && ElfVersionNeedPatcher.LibraryMentionsVersion(hostLib, ElfVersionNeedPatcher.TorchSharpMissingVersion);
            bool patch = TorchSharpMode == "true" || (TorchSharpMode == "auto" && !hostHasVersion);
            if (!patch)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(destination))!);
                File.Copy(source, destination + ".tmp", overwrite: true);
                ElfVersionNeedPatcher.ReplaceFile(destination + ".tmp", destination);
                Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Normal,
                    $"Faces: {hostLib} provides {ElfVersionNeedPatcher.TorchSharpMissingVersion}; libLibTorchSharp.so copied unchanged.");
                return;
            }
            var outcome = ElfVersionNeedPatcher.PatchCopy(source, destination, ElfVersionNeedPatcher.TorchSharpMissingVersion,
                ElfVersionNeedPatcher.TorchSharpSafeSymbols);
            Log.LogMessage(Microsoft.Build.Framework.MessageImportance.High,
                $"Faces: libLibTorchSharp.so -> {destination}: {ElfVersionNeedPatcher.TorchSharpMissingVersion} {outcome}.");
        }
    }
}
#endif
