{#- Statistics of the experiment read-outs (metrics.md, "Activation and experiments"), in plain SQL so that
    every engine computes the same figures: the standard normal CDF, the pooled two-proportion z-test and
    the Wald interval of a difference of two proportions. All arithmetic is double precision. Arguments are
    columns or short expressions: they are repeated in the generated SQL, so compute long expressions in a
    CTE first. -#}

{#- The two-sided 95% quantile of the standard normal, z(0.975), to double precision. -#}
{% macro normal_quantile_975() -%}
    cast(1.959963984540054 as {{ type_rate() }})
{%- endmacro %}

{#- A polynomial in Horner form, one step per line: coefficients from the highest degree down to the constant. -#}
{% macro horner(x, coefficients) -%}
    {{ '(' * (coefficients | length - 1) }}{{ coefficients[0] }}
    {%- for coefficient in coefficients[1:] %}
                * {{ x }} + {{ coefficient }})
    {%- endfor -%}
{%- endmacro %}

{#- Standard normal tail P(Z <= -|x|) = Phi(-|x|) of a double-precision x. Hart's double-precision rational
    approximation (J. F. Hart, Computer Approximations, 1968, algorithm 5666) as given by G. West, "Better
    approximations to cumulative normal functions" (Wilmott, 2005): a rational function for |x| < 7.07 (= 10 /
    sqrt 2) and a continued fraction beyond, 0 beyond 37 (where the tail is below 1e-300). Absolute error < 1e-15
    (checked against scipy.stats.norm in tests/python/test_experiments.py). The tail is computed directly, never as
    1 - Phi, so small p-values keep their digits. Null in, null out. -#}
{% macro normal_tail(x) -%}
    {%- set ax = 'abs(' ~ x ~ ')' -%}
    {%- set numerator = ['3.52624965998911e-02', '7.00383064443688e-01', '6.37396220353165e+00',
        '3.3912866078383e+01', '1.12079291497871e+02', '2.21213596169931e+02', '2.20206867912376e+02'] -%}
    {%- set denominator = ['8.83883476483184e-02', '1.75566716318264e+00', '1.6064177579207e+01',
        '8.67807322029461e+01', '2.96564248779674e+02', '6.37333633378831e+02', '7.93826512519948e+02',
        '4.40413735824752e+02'] -%}
    (case
        when {{ ax }} > 37 then cast(0 as {{ type_rate() }})
        when {{ ax }} < 7.07106781186547
            then exp(-0.5 * {{ ax }} * {{ ax }})
                * {{ horner(ax, numerator) }}
                / {{ horner(ax, denominator) }}
        else exp(-0.5 * {{ ax }} * {{ ax }})
            / ({{ ax }} + 1
                / ({{ ax }} + 2
                    / ({{ ax }} + 3
                        / ({{ ax }} + 4
                            / ({{ ax }} + 0.65)))))
            / 2.506628274631
    end)
{%- endmacro %}

{#- Standard normal cumulative distribution function Phi(x) of a double-precision x. -#}
{% macro normal_cdf(x) -%}
    (case when {{ x }} > 0 then 1 - {{ normal_tail(x) }} else {{ normal_tail(x) }} end)
{%- endmacro %}

{#- Two-sided p-value of a z statistic: 2 * Phi(-|z|) (at most 1, as Phi(0) = 0.5); null when z is null. -#}
{% macro two_sided_p_value(z) -%}
    (2 * {{ normal_tail(z) }})
{%- endmacro %}

{#- A share successes / trials as a double; null when there are no trials. -#}
{% macro proportion(successes, trials) -%}
    (case when {{ trials }} > 0 then cast({{ successes }} as {{ type_rate() }}) / {{ trials }} end)
{%- endmacro %}

{#- The pooled share of two arms, (x_a + x_b) / (n_a + n_b), from the counts (so that it is exactly 0 or 1 when
    no trial or every trial succeeded). -#}
{% macro pooled_proportion(successes_a, trials_a, successes_b, trials_b) -%}
    (case
        when {{ trials_a }} + {{ trials_b }} > 0
            then cast({{ successes_a }} + {{ successes_b }} as {{ type_rate() }})
                / ({{ trials_a }} + {{ trials_b }})
    end)
{%- endmacro %}

{#- Pooled two-proportion z statistic of p_b - p_a: (p_b - p_a) / sqrt(p (1 - p) (1/n_a + 1/n_b)), p the pooled
    share (pooled_proportion). Arguments are the shares, the trials and the pooled share, as columns. Null when an
    arm has no trials or the pooled variance is 0 (every trial a success, or none): there is nothing to test. -#}
{% macro two_proportion_z(p_a, n_a, p_b, n_b, p_pooled) -%}
    (case
        when {{ n_a }} > 0 and {{ n_b }} > 0 and {{ p_pooled }} > 0 and {{ p_pooled }} < 1
            then ({{ p_b }} - {{ p_a }})
                / sqrt(
                    {{ p_pooled }} * (1 - {{ p_pooled }})
                    * (cast(1 as {{ type_rate() }}) / {{ n_a }} + cast(1 as {{ type_rate() }}) / {{ n_b }})
                )
    end)
{%- endmacro %}

{#- Unpooled (Wald) standard error of p_b - p_a: sqrt(p_a (1 - p_a) / n_a + p_b (1 - p_b) / n_b), from the shares
    and trials as columns; null when an arm has no trials (its share is null), 0 when both shares are 0 or 1 (the
    interval then collapses onto the difference). -#}
{% macro wald_standard_error(p_a, n_a, p_b, n_b) -%}
    sqrt(
        {{ p_a }} * (1 - {{ p_a }}) / {{ n_a }}
        + {{ p_b }} * (1 - {{ p_b }}) / {{ n_b }}
    )
{%- endmacro %}

{#- Bounds of the 95% Wald interval of a difference: difference -/+ z(0.975) x standard error. -#}
{% macro wald_interval_lower(difference, standard_error) -%}
    ({{ difference }} - {{ normal_quantile_975() }} * {{ standard_error }})
{%- endmacro %}

{% macro wald_interval_upper(difference, standard_error) -%}
    ({{ difference }} + {{ normal_quantile_975() }} * {{ standard_error }})
{%- endmacro %}
