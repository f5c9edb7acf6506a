#!/bin/sh
# Renders every picture's SVG source in this folder to the PNG the bot sends.
# Needs resvg (`cargo install resvg`); uses only the font bundled in assets/,
# so the pictures look the same on every machine.
#   sh dialogues/pictures/render.sh            (from the repository's top)
set -eu
here=$(dirname "$0")
font="$here/../../assets/fonts/DejaVuSans.ttf"
for svg in "$here"/*.svg; do
    resvg --skip-system-fonts --use-font-file "$font" "$svg" "${svg%.svg}.png"
done
