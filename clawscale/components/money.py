"""Money as the page's language writes it, in the browser (beside `translated.local_number`):
an amount in a currency's smallest unit, as Stripe keeps it, shown in the currency's own units
with its narrow symbol ("$9.00", "€15.00", "¥68.00"; the page's language places the symbol and
the digits)."""

from reflex.vars import Var, VarData

from clawscale.components.translated import html_lang


def local_money(amount: Var[int], currency: Var[str]) -> Var[str]:
    """`amount` of `currency` (an ISO code, any case; the amount in its smallest unit: cents,
    or yen for a currency without decimals) as the page's language writes money; "" without a
    currency."""
    return Var(
        f"(({currency}) ? ((format) => format.format(Number({amount}) / "
        f"10 ** format.resolvedOptions().maximumFractionDigits))(Intl.NumberFormat("
        f"{html_lang()}, {{style: 'currency', currency: String({currency}).toUpperCase(), "
        f"currencyDisplay: 'narrowSymbol'}})) : '')",
        _var_type=str,
        _var_data=VarData.merge(amount._get_all_var_data(), currency._get_all_var_data()),
    ).to(str)
