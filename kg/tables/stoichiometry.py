"""Stoichiometric input ratios: formulas, molar masses and balanced equations.

A flow whose process is one balanced reaction can carry the equation (``flows.csv``, column
``equation``); its ``ratio`` is then the theoretical mass of the input per tonne of the output,
computed here from the equation and the IUPAC standard atomic weights. It is a stoichiometric
minimum (a complete reaction, no losses, no side products): real plants consume more.

Formulas are written as chemists write them: ``NaCl``, ``Ca(OH)2``, ``CH3COOH``,
``[(CH3)2SiO]4``, hydrates with a middle dot (``CuSO4·5H2O``, also ``.`` or ``*``). An
equation is ``2 NaCl + 2 H2O -> 2 NaOH + Cl2 + H2`` (``→`` is read as ``->``); coefficients
are whole numbers.

>>> round(molar_mass("Ca(OH)2"), 3)
74.092
>>> equation = parse_equation("CaC2 + 2 H2O -> C2H2 + Ca(OH)2")
>>> unbalanced(equation)
{}
>>> round(input_ratio(equation, "CaC2", "C2H2"), 3)
2.462
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

# IUPAC standard atomic weights, abridged to five significant figures: T. Prohaska et al.,
# "Standard atomic weights of the elements 2021 (IUPAC Technical Report)", Pure and Applied
# Chemistry 94 (2022) 573-600, doi:10.1515/pac-2019-0603 (data/sources.csv: iupac-atomic-weights-2021).
# The elements with a standard atomic weight; those without one (Tc, Pm, Po ...) are left out,
# so a formula naming them is refused rather than weighed with a mass number.
ATOMIC_WEIGHTS: dict[str, float] = {
    "H": 1.0080, "He": 4.0026, "Li": 6.94, "Be": 9.0122, "B": 10.81, "C": 12.011, "N": 14.007,
    "O": 15.999, "F": 18.998, "Ne": 20.180, "Na": 22.990, "Mg": 24.305, "Al": 26.982, "Si": 28.085,
    "P": 30.974, "S": 32.06, "Cl": 35.45, "Ar": 39.95, "K": 39.098, "Ca": 40.078, "Sc": 44.956,
    "Ti": 47.867, "V": 50.942, "Cr": 51.996, "Mn": 54.938, "Fe": 55.845, "Co": 58.933, "Ni": 58.693,
    "Cu": 63.546, "Zn": 65.38, "Ga": 69.723, "Ge": 72.630, "As": 74.922, "Se": 78.971, "Br": 79.904,
    "Kr": 83.798, "Rb": 85.468, "Sr": 87.62, "Y": 88.906, "Zr": 91.224, "Nb": 92.906, "Mo": 95.95,
    "Ru": 101.07, "Rh": 102.91, "Pd": 106.42, "Ag": 107.87, "Cd": 112.41, "In": 114.82, "Sn": 118.71,
    "Sb": 121.76, "Te": 127.60, "I": 126.90, "Xe": 131.29, "Cs": 132.91, "Ba": 137.33, "La": 138.91,
    "Ce": 140.12, "Pr": 140.91, "Nd": 144.24, "Sm": 150.36, "Eu": 151.96, "Gd": 157.25, "Tb": 158.93,
    "Dy": 162.50, "Ho": 164.93, "Er": 167.26, "Tm": 168.93, "Yb": 173.05, "Lu": 174.97, "Hf": 178.49,
    "Ta": 180.95, "W": 183.84, "Re": 186.21, "Os": 190.23, "Ir": 192.22, "Pt": 195.08, "Au": 196.97,
    "Hg": 200.59, "Tl": 204.38, "Pb": 207.2, "Bi": 208.98, "Th": 232.04, "Pa": 231.04, "U": 238.03,
}

SIGNIFICANT = 3  # figures a shipped ratio is rounded to
ARROWS = ("→", "⟶", "=>")  # read as "->"
HYDRATE_DOTS = "·•.*"
_TOKEN = re.compile(r"([A-Z][a-z]?)|([(\[])|([)\]])|([0-9]+)")


class FormulaError(ValueError):
    """A formula or an equation that cannot be read; the message says what is wrong."""


def _parse_part(text: str) -> Counter[str]:
    """Atoms of a formula without hydrate dots: elements, counts and nested brackets."""
    stack: list[Counter[str]] = [Counter()]
    openers: list[str] = []
    position = 0
    last: Counter[str] | str | None = None  # what a following count multiplies
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match:
            raise FormulaError(f"unexpected {text[position]!r} in {text!r}")
        element, opener, closer, digits = match.groups()
        position = match.end()
        if element:
            if element not in ATOMIC_WEIGHTS:
                raise FormulaError(f"{element!r} in {text!r} is not an element with a standard atomic weight")
            stack[-1][element] += 1
            last = element
        elif opener:
            stack.append(Counter())
            openers.append(opener)
            last = None
        elif closer:
            if not openers or "([".index(openers.pop()) != ")]".index(closer):
                raise FormulaError(f"unmatched {closer!r} in {text!r}")
            group = stack.pop()
            stack[-1].update(group)
            last = group
        else:
            count = int(digits)
            if last is None or count == 0:
                raise FormulaError(f"a count {digits} in {text!r} follows no element or group")
            if isinstance(last, str):
                stack[-1][last] += count - 1
            else:
                for atom, n in last.items():
                    stack[-1][atom] += n * (count - 1)
            last = None
    if openers:
        raise FormulaError(f"unclosed {openers[-1]!r} in {text!r}")
    if not stack[0]:
        raise FormulaError(f"{text!r} names no element")
    return stack[0]


def parse_formula(text: str) -> Counter[str]:
    """Atoms of a formula: ``"Ca(OH)2"`` -> ``{Ca: 1, O: 2, H: 2}``; a hydrate's parts are
    added, each multiplied by its leading count (``CuSO4·5H2O``).

    >>> sorted(parse_formula("CuSO4·5H2O").items())
    [('Cu', 1), ('H', 10), ('O', 9), ('S', 1)]
    """
    text = text.strip()
    if not text:
        raise FormulaError("the formula is empty")
    atoms: Counter[str] = Counter()
    for index, part in enumerate(re.split("[" + re.escape(HYDRATE_DOTS) + "]", text)):
        match = re.fullmatch(r"([0-9]*)(.*)", part.strip())
        assert match is not None
        if index == 0 and match[1]:
            raise FormulaError(f"{text!r} starts with a number: a coefficient is written apart (2 H2O)")
        count = int(match[1]) if match[1] else 1
        if count == 0 or not match[2]:
            raise FormulaError(f"an empty or zero part in {text!r}")
        for atom, n in _parse_part(match[2]).items():
            atoms[atom] += n * count
    return atoms


def molar_mass(formula: str) -> float:
    """Molar mass in g/mol from the IUPAC 2021 abridged atomic weights (:data:`ATOMIC_WEIGHTS`)."""
    return sum(ATOMIC_WEIGHTS[atom] * n for atom, n in parse_formula(formula).items())


@dataclass(frozen=True)
class Equation:
    """A reaction: each side is a tuple of (coefficient, formula as written)."""

    left: tuple[tuple[int, str], ...]
    right: tuple[tuple[int, str], ...]

    def coefficient(self, formula: str, side: str) -> int:
        """The coefficient of ``formula`` (as written) on ``side`` (``left`` or ``right``); 0
        when it is not there."""
        return sum(c for c, f in getattr(self, side) if f == formula)


def tidy_equation(text: str) -> str:
    """An equation with its arrow written ``->`` (``→`` and ``=>`` are read as it)."""
    for arrow in ARROWS:
        text = text.replace(arrow, "->")
    return text


def parse_equation(text: str) -> Equation:
    """``"2 NaCl + 2 H2O -> 2 NaOH + Cl2 + H2"`` as an :class:`Equation`; every formula is
    checked (:func:`parse_formula`)."""
    sides = tidy_equation(text).split("->")
    if len(sides) != 2:
        raise FormulaError("an equation has one arrow '->' between reactants and products, "
                           "e.g. 2 NaCl + 2 H2O -> 2 NaOH + Cl2 + H2")
    parsed = []
    for side in sides:
        terms = []
        for term in re.split(r"\+", side):
            match = re.fullmatch(r"\s*(?:([0-9]+)\s+)?(\S+)\s*", term)
            if not match:
                raise FormulaError(f"cannot read the term {term.strip()!r}: write a whole-number "
                                   "coefficient, a space and the formula (2 H2O), terms joined by ' + '")
            count = int(match[1]) if match[1] else 1
            if count == 0:
                raise FormulaError(f"the term {term.strip()!r} has coefficient 0")
            parse_formula(match[2])
            terms.append((count, match[2]))
        parsed.append(tuple(terms))
    return Equation(*parsed)


def _atoms(terms: tuple[tuple[int, str], ...]) -> Counter[str]:
    atoms: Counter[str] = Counter()
    for count, formula in terms:
        for atom, n in parse_formula(formula).items():
            atoms[atom] += n * count
    return atoms


def unbalanced(equation: Equation) -> dict[str, int]:
    """Atoms that do not balance: element -> (atoms on the left) - (atoms on the right);
    empty when the equation is balanced."""
    left, right = _atoms(equation.left), _atoms(equation.right)
    return {atom: left[atom] - right[atom] for atom in sorted(set(left) | set(right)) if left[atom] != right[atom]}


def input_ratio(equation: Equation, input_formula: str, output_formula: str) -> float:
    """Tonnes of the reactant ``input_formula`` per tonne of the product ``output_formula``
    by the equation: (coefficient × molar mass) of the input over that of the output."""
    into = equation.coefficient(input_formula, "left")
    out = equation.coefficient(output_formula, "right")
    if not into or not out:
        raise FormulaError(f"{input_formula if not into else output_formula} is not a "
                           f"{'reactant' if not into else 'product'} of the equation")
    return into * molar_mass(input_formula) / (out * molar_mass(output_formula))


def round_significant(value: float, figures: int = SIGNIFICANT) -> str:
    """``value`` rounded to ``figures`` significant figures, as a plain decimal text.

    >>> round_significant(1.46058), round_significant(57.98), round_significant(0.027653)
    ('1.46', '58.0', '0.0277')
    """
    if value <= 0:
        raise ValueError("a ratio is positive")
    decimals = max(figures - 1 - math.floor(math.log10(value)), 0)
    return f"{value:.{decimals}f}"


def ratio_agrees(written: str, computed: float) -> bool:
    """Whether a typed ratio is ``computed`` rounded: it differs from it by no more than half
    a unit of its own last digit, and it keeps at least :data:`SIGNIFICANT` significant
    figures' precision (``1.5`` for 1.46 is refused, ``1.46`` and ``1.461`` pass).

    >>> ratio_agrees("1.46", 1.46058), ratio_agrees("1.461", 1.46058), ratio_agrees("1.5", 1.46058)
    (True, True, False)
    """
    value = float(written)
    decimals = len(written.split(".")[1]) if "." in written else 0
    slack = 1e-9 * max(abs(computed), 1.0)
    half_unit = 0.5 * 10 ** -decimals
    precise = 0.5 * 10 ** (math.floor(math.log10(computed)) - SIGNIFICANT + 1)
    return abs(value - computed) <= min(half_unit, precise) + slack
