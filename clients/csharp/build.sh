#!/bin/sh
# Builds the C# client with mcs (Mono): the library Bgsim.iOS.dll, the two examples
# (Article.exe, ArticleFixed.exe) and the unit tests (ClientTests.exe), all into one folder
# (clients/csharp/bin by default, or the folder given as the first argument), so mono finds
# the library beside each program.
#
#   clients/csharp/build.sh [OUT_DIR]
#   mono clients/csharp/bin/ClientTests.exe
#   bgsim run --app-command "mono clients/csharp/bin/ArticleFixed.exe" scenarios/article-flow.toml
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-"$here/bin"}
mkdir -p "$out"
command -v mcs >/dev/null 2>&1 || { echo "build.sh: mcs not found: install mono-mcs (and mono-runtime to run)" >&2; exit 127; }
mcs="mcs -nologo -debug- -optimize+"
lib="$out/Bgsim.iOS.dll"
$mcs -target:library -warn:4 -warnaserror+ -out:"$lib" "$here"/Bgsim.iOS/*.cs
$mcs -target:exe -r:"$lib" -out:"$out/Article.exe" "$here"/examples/Article/*.cs
$mcs -target:exe -warnaserror+ -r:"$lib" -out:"$out/ArticleFixed.exe" "$here"/examples/ArticleFixed/*.cs
$mcs -target:exe -warnaserror+ -r:"$lib" -out:"$out/ClientTests.exe" "$here"/tests/*.cs
echo "build.sh: built into $out"
