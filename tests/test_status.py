"""The status rules of kg.status on small hand-made tables, each answer worked out here."""

from __future__ import annotations

import pandas as pd

from kg.graph.status import derive_status


def _tables(**frames: list[dict[str, str]]) -> dict[str, pd.DataFrame]:
    return {name: pd.DataFrame(rows) for name, rows in frames.items()}


PRODUCTS = [
    {"id": "salt", "kind": "raw_material"}, {"id": "brine", "kind": "intermediate"},
    {"id": "soda", "kind": "intermediate"}, {"id": "chlorine", "kind": "intermediate"},
    {"id": "hydrogen", "kind": "intermediate"}, {"id": "hcl", "kind": "intermediate"},
    {"id": "pvc", "kind": "end_product"}, {"id": "vcm", "kind": "intermediate"},
    {"id": "desert", "kind": "raw_material"}, {"id": "tours", "kind": "service"},
]
# Chlor-alkali: brine → soda (main) + chlorine + hydrogen (co-products), one process "ca".
FLOWS = [
    {"input": "salt", "output": "brine", "process": "", "relation": ""},
    {"input": "brine", "output": "soda", "process": "ca", "relation": "main"},
    {"input": "brine", "output": "chlorine", "process": "ca", "relation": "co_product"},
    {"input": "brine", "output": "hydrogen", "process": "ca", "relation": "co_product"},
    {"input": "chlorine", "output": "hcl", "process": "", "relation": ""},
    {"input": "hydrogen", "output": "hcl", "process": "", "relation": ""},
    {"input": "hcl", "output": "vcm", "process": "", "relation": ""},
    {"input": "vcm", "output": "pvc", "process": "", "relation": ""},
    {"input": "desert", "output": "tours", "process": "", "relation": ""},
]


def test_co_products_of_a_process_a_zone_plant_runs_are_present_with_their_evidence():
    tables = _tables(products=PRODUCTS, flows=FLOWS,
                     companies=[{"id": "c", "location": "zone"}],
                     company_products=[{"company": "c", "product": "soda", "source": "s", "quote": "q"}])
    result = derive_status(tables)
    assert result.status["soda"] == "present" and result.basis["soda"] == "producer"
    # chlorine and hydrogen come out of the same cell as the caustic soda
    for product in ("chlorine", "hydrogen"):
        assert result.status[product] == "present"
        assert result.basis[product] == "co_product"
        row = result.evidence[result.evidence["product"] == product].iloc[0]
        assert (row["via"], row["process"], row["relation"]) == ("soda", "ca", "co_product")
    # one step deep only: HCl (made from the co-products) is not made by anyone
    assert result.status["hcl"] == "missing"
    # brine is the cell's own intermediate, and its input (salt) is not in the zone, and
    # the brine has a use (chlorine is not *made* by a plant, it comes with the soda): missing
    assert result.status["brine"] == "missing"


def test_an_external_company_makes_nothing_present():
    tables = _tables(products=PRODUCTS, flows=FLOWS,
                     companies=[{"id": "x", "location": "external"}],
                     company_products=[{"company": "x", "product": "soda"}])
    assert derive_status(tables).status["soda"] == "missing"
    assert derive_status(tables).status["chlorine"] == "missing"


def test_a_planned_plant_gives_planned_co_products():
    tables = _tables(products=PRODUCTS, flows=FLOWS,
                     projects=[{"id": "j", "status": "signed"}],
                     project_products=[{"project": "j", "product": "soda"}])
    result = derive_status(tables)
    assert result.status[["soda", "chlorine"]].tolist() == ["planned", "planned"]
    assert result.basis["chlorine"] == "co_product"


def test_an_operating_project_beats_a_planned_one():
    tables = _tables(products=PRODUCTS, flows=FLOWS,
                     projects=[{"id": "a", "status": "reserve"}, {"id": "b", "status": "operating"}],
                     project_products=[{"project": "a", "product": "pvc"}, {"project": "b", "product": "pvc"}])
    result = derive_status(tables)
    assert result.status["pvc"] == "present"
    assert result.basis["pvc"] == "project"
    assert len(result.evidence[result.evidence["product"] == "pvc"]) == 2  # both facts kept


def test_a_present_input_alone_makes_no_captive_intermediate():
    # HCl present, PVC made, but VCM also has a use the zone does not make here (brine, for
    # the sake of the example): it is a traded good, so the PVC plant may as well buy it.
    flows = FLOWS + [{"input": "vcm", "output": "brine", "process": "x", "relation": "main"}]
    tables = _tables(products=PRODUCTS, flows=flows,
                     companies=[{"id": "c", "location": "zone"}],
                     company_products=[{"company": "c", "product": "hcl"}, {"company": "c", "product": "pvc"}])
    assert derive_status(tables).status["vcm"] == "missing"


def test_captive_single_purpose_intermediate():
    # VCM's only use is PVC, made in the zone: the PVC plant makes its own VCM.
    tables = _tables(products=PRODUCTS, flows=FLOWS,
                     companies=[{"id": "c", "location": "zone"}],
                     company_products=[{"company": "c", "product": "pvc"}])
    result = derive_status(tables)
    assert result.status["vcm"] == "present" and result.basis["vcm"] == "captive"
    row = result.evidence[result.evidence["product"] == "vcm"].iloc[0]
    assert (row["via"], row["process"]) == ("pvc", "pvc")
    # followed upstream: HCl's only use is the VCM made inside the plant, so it is too ...
    assert (result.status["hcl"], result.basis["hcl"]) == ("present", "captive")
    assert result.evidence.set_index("product").loc["hcl", "via"] == "vcm"
    # ... unless it is a commodity (value tier 1 or 2): a traded good the plant may buy
    tables["products"] = pd.DataFrame([{**p, "value_tier": "1" if p["id"] == "hcl" else "3"} for p in PRODUCTS])
    assert derive_status(tables).status["hcl"] == "missing"
    assert derive_status(tables).status["vcm"] == "present"
    tables["products"] = pd.DataFrame(PRODUCTS)
    # a company outside the zone sells VCM: the plant may buy it, so it is not derived
    tables["companies"] = pd.DataFrame([{"id": "c", "location": "zone"}, {"id": "x", "location": "external"}])
    tables["company_products"] = pd.DataFrame([{"company": "c", "product": "pvc"}, {"company": "x", "product": "vcm"}])
    assert derive_status(tables).status["vcm"] == "missing"


def test_several_routes_need_the_stated_process():
    flows = FLOWS + [{"input": "salt", "output": "soda", "process": "solvay", "relation": "main"}]
    tables = _tables(products=PRODUCTS, flows=flows,
                     companies=[{"id": "c", "location": "zone"}],
                     company_products=[{"company": "c", "product": "soda", "process": ""}])
    assert derive_status(tables).status["chlorine"] == "missing"  # which route runs is unknown
    tables["company_products"] = pd.DataFrame([{"company": "c", "product": "soda", "process": "ca"}])
    assert derive_status(tables).status["chlorine"] == "present"
    tables["company_products"] = pd.DataFrame([{"company": "c", "product": "soda", "process": "solvay"}])
    assert derive_status(tables).status["chlorine"] == "missing"


def test_resources_brands_and_stated_activity():
    tables = _tables(
        products=PRODUCTS, flows=FLOWS,
        assets=[{"id": "d", "kind": "place", "products": "desert;tours"},
                {"id": "b", "kind": "brand", "products": "soda"}],
        indicators=[{"id": "v", "kind": "result", "products": "tours"},
                    {"id": "t", "kind": "target", "products": "pvc"}],
    )
    result = derive_status(tables)
    assert (result.status["desert"], result.basis["desert"]) == ("present", "resource")
    # a place does not make a service: the tours are present because an indicator states them
    assert (result.status["tours"], result.basis["tours"]) == ("present", "activity")
    assert (result.status["soda"], result.basis["soda"]) == ("present", "brand")
    assert result.status["chlorine"] == "present"  # the brand's product runs its process
    assert result.status["pvc"] == "missing"  # a target is not activity


def test_no_evidence_means_missing_with_no_basis():
    result = derive_status(_tables(products=PRODUCTS, flows=FLOWS))
    assert set(result.status) == {"missing"}
    assert set(result.basis) == {""}
    assert result.evidence.empty


def test_the_process_that_covers_most_of_what_a_maker_makes_runs():
    # Chlorination of methane gives methyl chloride (main), dichloromethane and chloroform
    # (co-products) and CCl4 (by-product); chloroform also has a route of its own. A project
    # making the first three runs the chlorination, so its CCl4 comes with it.
    products = [{"id": p, "kind": "intermediate"} for p in ("ch4", "mecl", "dcm", "chcl3", "ccl4", "h2")]
    flows = [{"input": "ch4", "output": o, "process": "chlorination", "relation": r}
             for o, r in (("mecl", "main"), ("dcm", "co_product"), ("chcl3", "co_product"), ("ccl4", "by_product"))]
    flows += [{"input": "ccl4", "output": "chcl3", "process": "hydro", "relation": "main"},
              {"input": "h2", "output": "chcl3", "process": "hydro", "relation": "main"}]
    tables = _tables(products=products, flows=flows, projects=[{"id": "j", "status": "signed"}],
                     project_products=[{"project": "j", "product": p} for p in ("mecl", "dcm", "chcl3")])
    result = derive_status(tables)
    assert (result.status["ccl4"], result.basis["ccl4"]) == ("planned", "co_product")
    row = result.evidence[result.evidence["product"] == "ccl4"].iloc[0]
    assert (row["process"], row["relation"]) == ("chlorination", "by_product")
    # a project making only chloroform runs chloroform's own route (the chlorination's main
    # output is not made): no CCl4 comes out of it; CCl4 goes in, its only use here, so it is
    # the plant's own intermediate instead
    tables["project_products"] = pd.DataFrame([{"project": "j", "product": "chcl3"}])
    result = derive_status(tables)
    assert (result.status["ccl4"], result.basis["ccl4"]) == ("planned", "captive")
    assert result.status["dcm"] == "missing"
