/** The menu as intake prices it. Names are matched exactly after trimming and NFC normalisation. */
export interface Ingredient {
  readonly name: string;
  readonly grams: number;
}

export interface MenuPizza {
  readonly code: string;
  readonly name: string;
  readonly priceKopecks: number;
  readonly ingredients: readonly Ingredient[];
  /** Kitchen station that makes it (KDS station filter), e.g. "pizza". */
  readonly station: string;
  /** false while on the stop-list (out of stock). */
  readonly available: boolean;
}

export interface MenuExtra {
  readonly code: string;
  readonly name: string;
  readonly priceKopecks: number;
  readonly grams: number;
  readonly available: boolean;
}

export interface Menu {
  readonly pizzas: ReadonlyMap<string, MenuPizza>; // keyed by normalised name
  readonly extras: ReadonlyMap<string, MenuExtra>; // keyed by normalised name
}
